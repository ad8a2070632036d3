namespace AkkaIngestion.EndToEnd;

/// <summary>Every kind of bad input: one line naming the problem on stderr, exit code 2, the store untouched.</summary>
public class BadInputTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData("--from 2024-13-01T00 --to 2024-12-01T00", "--from")]
    [InlineData("--from 2024-02-30T00", "--from")]
    [InlineData("--from 2024-01-02T00 --to 2024-01-01T00", "is before --from")]
    [InlineData("--from 2024-01-01T00 --bogus", "--bogus")]
    [InlineData("--source ftp://example/ --to 2024-01-01T00", "--source")]
    [InlineData("--source not-a-url --to 2024-01-01T00", "--source")]
    [InlineData("--workers 0 --to 2024-01-01T00", "--workers")]
    [InlineData("--workers many", "many")]
    [InlineData("--poll-interval soon", "--poll-interval")]
    [InlineData("--queue rabbit://x --to 2024-01-01T00", "--queue")]
    public async Task Run_rejects_bad_options_with_one_line_and_exit_2_touching_nothing(string arguments, string named)
    {
        using var temp = new TempDirectory();
        var data = Path.Combine(temp.Path, "data");
        var args = new[] { "run", "--source", "http://127.0.0.1:9/", "--store", data }.Concat(arguments.Split(' ')).ToArray();
        var result = await AkkaIngestCli.RunAsync(temp.Path, Timeout, null, args);

        Assert.True(result.ExitCode == 2, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(named, lines[0]);
        Assert.StartsWith("akka-ingest", lines[0]);
        Assert.False(Directory.Exists(Path.Combine(data, "raw")), "the store was written to");
    }

    [Theory]
    [InlineData("garbage", "neither")]
    [InlineData("{\"version\": 9}", "version is 9")]
    [InlineData("2023-03-13-01.json.gz", "neither")]
    public async Task An_unreadable_bookmark_stops_the_run_before_anything_is_written(string bookmark, string named)
    {
        using var temp = new TempDirectory();
        var data = temp.Sub("data");
        var bookmarkPath = Path.Combine(data, "bookmark.txt");
        await File.WriteAllTextAsync(bookmarkPath, bookmark);

        var result = await AkkaIngestCli.RunAsync(temp.Path, Timeout, null,
            "run", "--source", "http://127.0.0.1:9/", "--store", data, "--to", "2024-01-01T00");

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("bookmark.txt", line);
        Assert.Contains(named, line);
        Assert.Equal(bookmark, await File.ReadAllTextAsync(bookmarkPath));
        Assert.Equal(["bookmark.txt"], Directory.GetFileSystemEntries(data).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("run --store s3://mirror-bucket/x --queue sqs://files --to 2024-01-01T00", "s3://mirror-bucket/x")]
    [InlineData("run --store data --queue sqs://files --to 2024-01-01T00", "sqs://files")]
    [InlineData("setup --store s3://mirror-bucket/x --queue sqs://files", "cannot reach the endpoint")]
    [InlineData("dlq list --queue sqs://files", "cannot reach the endpoint")]
    [InlineData("dlq redrive --queue sqs://files", "cannot reach the endpoint")]
    public async Task An_s3_or_sqs_endpoint_that_refuses_connections_is_one_line_and_exit_2(string arguments, string named)
    {
        using var temp = new TempDirectory();
        var endpoint = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        var result = await AkkaIngestCli.RunAsync(temp.Path, Timeout, new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = endpoint, ["AWS_REGION"] = "us-east-1", ["AWS_ACCESS_KEY_ID"] = "test", ["AWS_SECRET_ACCESS_KEY"] = "test",
        }, arguments.Split(' '));

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("akka-ingest", line);
        Assert.Contains(named, line);
        Assert.Contains("refused", line, StringComparison.OrdinalIgnoreCase);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "data", "raw")), "the store was written to");
    }

    [Fact]
    public async Task Bad_configuration_from_the_environment_is_a_usage_error()
    {
        using var temp = new TempDirectory();
        var result = await AkkaIngestCli.RunAsync(temp.Path, Timeout, new Dictionary<string, string> { ["AKKA_INGEST__WORKERS"] = "lots" },
            "run", "--store", Path.Combine(temp.Path, "data"), "--to", "2024-01-01T00");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("configuration", Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task Every_verb_has_help()
    {
        using var temp = new TempDirectory();
        foreach (var verb in new[] { "run", "status", "verify", "archive-sim" })
        {
            var help = await AkkaIngestCli.RunAsync(temp.Path, Timeout, null, verb, "--help");
            Assert.True(help.ExitCode == 0, help.ToString());
            Assert.Contains("Usage:", help.Stdout);
        }
    }
}
