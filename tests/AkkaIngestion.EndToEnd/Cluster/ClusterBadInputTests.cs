namespace AkkaIngestion.EndToEnd.Cluster;

/// <summary>A node that could not work in a cluster is refused before it joins: one line on stderr, exit code 2.</summary>
public class ClusterBadInputTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    private static async Task<string> Refused(IReadOnlyDictionary<string, string>? environment, TempDirectory temp, params string[] arguments)
    {
        var data = Path.Combine(temp.Path, "data");
        var args = new[] { "run", "--source", "http://127.0.0.1:9/", "--store", data, "--to", "2024-01-01T00" }.Concat(arguments).ToArray();
        var result = await AkkaIngestCli.RunAsync(temp.Path, Timeout, environment, args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.False(Directory.Exists(Path.Combine(data, "raw")), "the store was written to");
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("akka-ingest", line);
        return line;
    }

    [Fact]
    public async Task A_bad_feeds_file_names_its_line_and_field()
    {
        using var temp = new TempDirectory();
        var feeds = Path.Combine(temp.Path, "feeds.json");
        await File.WriteAllTextAsync(feeds, """
            {
              "feeds": [
                { "id": "a", "baseUrl": "http://127.0.0.1:9/", "storePrefix": "a" },
                { "id": "b", "baseUrl": "http://127.0.0.1:9/",
                  "storePrefix": "b",
                  "startHour": "2024-02-30T00" }
              ]
            }
            """);

        var line = await Refused(null, temp, "--feeds", feeds);

        Assert.Contains($"{feeds} line 6: feeds[1].startHour", line);
    }

    [Theory]
    [InlineData("--cluster-port 2552", "shared queue")]
    [InlineData("--cluster-port 2552 --queue sqs://q --seed-nodes 127.0.0.1", "--seed-nodes")]
    [InlineData("--cluster-port 70000 --queue sqs://q", "--cluster-port")]
    public async Task Cluster_options_that_cannot_work_are_refused(string arguments, string named)
    {
        using var temp = new TempDirectory();

        Assert.Contains(named, await Refused(null, temp, arguments.Split(' ')));
    }

    [Fact]
    public async Task A_negative_stable_after_from_the_environment_is_refused()
    {
        using var temp = new TempDirectory();

        var line = await Refused(new Dictionary<string, string> { ["AKKA_INGEST__CLUSTER__STABLEAFTER"] = "-00:00:05" }, temp,
            "--cluster-port", "2552", "--queue", "sqs://q");

        Assert.Contains("Cluster:StableAfter", line);
    }
}
