namespace AkkaIngestion.EndToEnd.Ctl;

/// <summary>ctl through the real executable: exit codes, the line-by-line mode on redirected input, completion.</summary>
public sealed class CtlProcessTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private AdminApiStub _stub = null!;
    private TempDirectory _temp = null!;

    public async Task InitializeAsync()
    {
        _stub = await AdminApiStub.StartAsync("t0ken");
        _temp = new TempDirectory();
    }

    public async Task DisposeAsync()
    {
        await _stub.DisposeAsync();
        _temp.Dispose();
    }

    private static readonly Dictionary<string, string> WithToken = new() { ["AKKA_INGEST_ADMIN_TOKEN"] = "t0ken" };

    [Fact]
    public async Task Without_a_verb_it_runs_verbs_read_line_by_line_and_exits_with_the_worst_code()
    {
        await using var ctl = new RunningProcess(AkkaIngestCli.StartInfo(_temp.Path, WithToken, "ctl", "--node", _stub.Node));
        await ctl.Process.StandardInput.WriteAsync("""
            # a comment, then a blank line

            actor count --json
            help
            ingest status
            workers set nine
            ctl workers set 5
            exit
            ingest retry-dlq

            """);
        ctl.Process.StandardInput.Close();
        var exitCode = await ctl.WaitAsync(Timeout);

        Assert.True(exitCode == 2, $"exit {exitCode}\n{ctl.Stdout}\n{ctl.Stderr}");
        Assert.DoesNotContain("ctl 127.0.0.1", ctl.Stdout);
        Assert.Contains("\"count\": 123", ctl.Stdout);
        Assert.Contains("Usage:\n  akka-ingest ctl [command] [options]", ctl.Stdout);
        Assert.Contains("downloads: running, 8 workers", ctl.Stdout);
        Assert.Contains("workers: 5", ctl.Stdout);
        var error = Assert.Single(ctl.Stderr.Trim().Split('\n'));
        Assert.StartsWith("akka-ingest ctl: ", error);
        Assert.Contains("nine", error);
        Assert.Equal(["/api/actors/count", "/api/ingest", "/api/workers"], _stub.Requests.Select(r => r.PathAndQuery));
        Assert.All(_stub.Requests, r => Assert.Equal("Bearer t0ken", r.Authorization));
    }

    [Fact]
    public async Task An_unreachable_node_through_the_executable_is_one_line_and_exit_2()
    {
        var result = await AkkaIngestCli.RunAsync(_temp.Path, Timeout, null, "ctl", "--node", "127.0.0.1:1", "cluster", "show");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal("akka-ingest ctl: cannot reach the admin endpoint of the node at 127.0.0.1:1 (Connection refused); is the node running with --admin 127.0.0.1:1?",
            result.Stderr.Trim());
    }

    [Fact]
    public async Task Completion_prints_a_bash_script_and_the_binary_answers_the_suggest_directive()
    {
        var script = await AkkaIngestCli.RunAsync(_temp.Path, Timeout, null, "completion", "bash");
        Assert.True(script.ExitCode == 0, script.ToString());
        Assert.Contains("complete -o default -F _akka_ingest_complete akka-ingest", script.Stdout);
        Assert.Contains("[suggest:${COMP_POINT}]", script.Stdout);

        var line = "akka-ingest ctl ingest re";
        var suggested = await AkkaIngestCli.RunAsync(_temp.Path, Timeout, null, $"[suggest:{line.Length}]", line);
        Assert.True(suggested.ExitCode == 0, suggested.ToString());
        Assert.Equal(["resume", "retry-dlq"], suggested.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(word => !word.StartsWith('-')));
    }
}
