using System.Text.Json;

namespace AkkaIngestion.EndToEnd.Ctl;

/// <summary>Every ctl verb against a stub of the admin API: what it sends, its table, its --json.</summary>
public sealed class CtlVerbTests : IAsyncLifetime
{
    private AdminApiStub _stub = null!;

    public async Task InitializeAsync() => _stub = await AdminApiStub.StartAsync();

    public async Task DisposeAsync() => await _stub.DisposeAsync();

    private Task<AkkaIngestCli.Result> Ctl(params string[] args) => InProcessCtl.RunAsync(["--node", _stub.Node, .. args]);

    private static JsonElement Json(AkkaIngestCli.Result result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        // Indented, as promised to people reading it; still one JSON document for scripts.
        Assert.Contains("\n  ", result.Stdout);
        return JsonDocument.Parse(result.Stdout).RootElement;
    }

    private AdminApiStub.StubRequest OnlyRequest()
    {
        Assert.Single(_stub.Requests);
        _stub.Requests.TryDequeue(out var request);
        return request!;
    }

    private static void Ok(AkkaIngestCli.Result result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
    }

    [Theory]
    [InlineData("GET", "/api/cluster", "", "mode", "cluster", "cluster", "show")]
    [InlineData("POST", "/api/cluster/leave", "{\"address\":\"" + AdminApiStub.Other + "\"}", "message", AdminApiStub.Other + " is leaving", "cluster", "leave", AdminApiStub.Other)]
    [InlineData("POST", "/api/cluster/down", "{\"address\":\"" + AdminApiStub.Gone + "\"}", "message", AdminApiStub.Gone + " downed", "cluster", "down", AdminApiStub.Gone)]
    [InlineData("POST", "/api/cluster/down-unreachable", "", "downed", AdminApiStub.Other, "cluster", "down-unreachable")]
    [InlineData("GET", "/api/actors?depth=1", "", "node", AdminApiStub.Self, "actor", "hierarchy", "--depth", "1")]
    [InlineData("GET", "/api/actors/count", "", "count", "123", "actor", "count")]
    [InlineData("GET", "/api/ingest", "", "node", AdminApiStub.Self, "ingest", "status")]
    [InlineData("POST", "/api/ingest/pause", "{}", "downloadsPaused", "True", "ingest", "pause")]
    [InlineData("POST", "/api/ingest/pause", "{\"feed\":\"wikimedia\"}", "paused", "wikimedia", "ingest", "pause", "wikimedia")]
    [InlineData("POST", "/api/ingest/resume", "{}", "downloadsPaused", "False", "ingest", "resume")]
    [InlineData("POST", "/api/ingest/resume", "{\"feed\":\"gharchive\"}", "resumed", "gharchive", "ingest", "resume", "gharchive")]
    [InlineData("POST", "/api/ingest/backfill", "{\"feed\":\"gharchive\",\"from\":\"2024-02-28T22\",\"to\":\"2024-03-01T01\"}", "hours", "28",
        "ingest", "backfill", "gharchive", "--from", "2024-02-28T22", "--to", "2024-03-01T01")]
    [InlineData("POST", "/api/ingest/retry-dlq", "", "redriven", "4", "ingest", "retry-dlq")]
    [InlineData("POST", "/api/workers", "{\"workers\":3}", "workers", "3", "workers", "set", "3")]
    public async Task Json_prints_the_endpoints_answer_after_sending_the_contracts_request(
        string method, string pathAndQuery, string body, string property, string expected, params string[] verb)
    {
        var answer = Json(await Ctl([.. verb, "--json"]));

        var request = OnlyRequest();
        Assert.Equal((method, pathAndQuery, body), (request.Method, request.PathAndQuery, request.Body));
        Assert.Null(request.Authorization);
        var value = answer.GetProperty(property);
        var text = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().First().ToString() : value.ToString();
        Assert.Equal(expected, text);
    }

    [Fact]
    public async Task Json_can_also_come_before_the_verb()
    {
        var answer = Json(await InProcessCtl.RunAsync("--json", "--node", _stub.Node, "actor", "count"));
        Assert.Equal(83, answer.GetProperty("system").GetInt32());
    }

    [Fact]
    public async Task Cluster_show_is_a_table_of_members_with_the_leader_and_unreachable_ones_marked()
    {
        var result = await Ctl("cluster", "show");
        Ok(result);
        var lines = result.Stdout.Split('\n');
        Assert.Contains("cluster mode, seen from " + AdminApiStub.Self, result.Stdout);
        var self = Assert.Single(lines, l => l.Contains(AdminApiStub.Self) && l.Contains("Up"));
        Assert.Contains("leader, self", self);
        Assert.Contains("yes", self);
        var other = Assert.Single(lines, l => l.Contains(AdminApiStub.Other) && l.Contains("Up"));
        Assert.Contains("ingest,seed", other);
        Assert.True(other.Contains(" no "), result.Stdout);
        Assert.DoesNotContain("leader", other);
        Assert.Contains("unreachable, not a member any more: " + AdminApiStub.Gone, result.Stdout);
    }

    [Fact]
    public async Task Actor_hierarchy_draws_the_flat_path_list_as_a_tree()
    {
        var result = await Ctl("actor", "hierarchy");
        Ok(result);
        Assert.Equal("/api/actors", OnlyRequest().PathAndQuery);
        var lines = result.Stdout.Split('\n');
        Assert.Equal(AdminApiStub.Self, lines[0].Trim());
        int Indent(string name) => Assert.Single(lines, l => l.EndsWith(" " + name, StringComparison.Ordinal)).IndexOf(name, StringComparison.Ordinal);
        Assert.True(Indent("user") < Indent("queue-bridge"), result.Stdout);
        Assert.Equal(Indent("queue-bridge"), Indent("feed-scheduler-gharchive"));
        Assert.True(Indent("queue-bridge") < Indent("download-router"), result.Stdout);
        Assert.True(Indent("download-router") < Indent("$a"), result.Stdout);
        Assert.Equal(Indent("system"), Indent("user"));
        int Row(string name) => Array.FindIndex(lines, l => l.EndsWith(" " + name, StringComparison.Ordinal));
        Assert.True(Row("feed-scheduler-gharchive") < Row("queue-bridge") && Row("queue-bridge") < Row("$a") && Row("$a") < Row("$b"), result.Stdout);
    }

    [Fact]
    public async Task Actor_count_is_a_table()
    {
        var result = await Ctl("actor", "count");
        Ok(result);
        Assert.Matches(@"123\s*│\s*40\s*│\s*83", result.Stdout);
    }

    [Fact]
    public async Task Ingest_status_shows_each_feed_then_the_downloads()
    {
        var result = await Ctl("ingest", "status");
        Ok(result);
        var lines = result.Stdout.Split('\n');
        var gharchive = Assert.Single(lines, l => l.Contains("gharchive") && l.Contains("│"));
        Assert.Matches(@"2024-03-01-5\.json\.gz\s*│\s*12 h\s*│\s*3\s*│\s*2\s*│\s*1\s*│\s*1\s*│\s*running", gharchive);
        var wikimedia = Assert.Single(lines, l => l.Contains("wikimedia") && l.Contains("│"));
        Assert.Matches(@"\(none yet\)\s*│\s*unknown\s*│\s*0\s*│\s*0\s*│\s*0\s*│\s*0\s*│\s*paused", wikimedia);
        var moving = Assert.Single(lines, l => l.Contains("moving") && l.Contains("│"));
        Assert.Matches(@"│\s*\?\s*│\s*\?\s*│\s*0\s*│\s*0\s*│\s*not answering: its scheduler did not answer", moving);
        Assert.Contains("downloads: running, 8 workers, 2 in flight (capacity 10), 30 stored, 6 already stored, 1 dead-lettered, 3.2 MiB/s", result.Stdout);
        Assert.Contains("dead letter: gharchive 2024-03-01-3.json.gz: truncated body after 6 attempts", result.Stdout);
        Assert.Contains("warning 2026-11-24 20:00:04Z: 2024-03-01-2.json.gz: 503, retrying", result.Stdout);
    }

    [Theory]
    [InlineData("paused: gharchive, wikimedia; downloads paused", "ingest", "pause")]
    [InlineData("paused: wikimedia; downloads running", "ingest", "pause", "wikimedia")]
    [InlineData("resumed: gharchive; downloads running", "ingest", "resume")]
    [InlineData("backfill of gharchive from 2024-03-01T00 to 2024-03-01T23 accepted: 24 hours to probe", "ingest", "backfill", "gharchive", "--from", "2024-03-01T00", "--to", "2024-03-01T23")]
    [InlineData("4 dead letters sent back to the queue", "ingest", "retry-dlq")]
    [InlineData("workers: 12", "workers", "set", "12")]
    [InlineData(AdminApiStub.Other + " is leaving", "cluster", "leave", AdminApiStub.Other)]
    [InlineData(AdminApiStub.Gone + " downed", "cluster", "down", AdminApiStub.Gone)]
    [InlineData("downed: " + AdminApiStub.Other, "cluster", "down-unreachable")]
    public async Task Commands_answer_in_one_line(string line, params string[] verb)
    {
        var result = await Ctl(verb);
        Ok(result);
        Assert.StartsWith(line, result.Stdout);
    }

    [Theory]
    [InlineData("--from: 'yesterday' is not an hour", "ingest", "backfill", "gharchive", "--from", "yesterday", "--to", "2024-03-01T23")]
    [InlineData("--to: an hour is required", "ingest", "backfill", "gharchive", "--from", "2024-03-01T00")]
    [InlineData("--to 2024-02-01T00 is before --from 2024-03-01T00", "ingest", "backfill", "gharchive", "--from", "2024-03-01T00", "--to", "2024-02-01T00")]
    [InlineData("0 is not a worker count", "workers", "set", "0")]
    [InlineData("--depth must be 0 or more", "actor", "hierarchy", "--depth", "-1")]
    public async Task Bad_input_is_refused_before_anything_is_sent(string problem, params string[] verb)
    {
        var result = await Ctl(verb);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.StartsWith("akka-ingest ctl: ", result.Stderr);
        Assert.Contains(problem, result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Empty(_stub.Requests);
    }

    [Theory]
    [InlineData("answered 400 Bad Request to POST /api/cluster/leave: no member at 'akka.tcp://x@h:1'", "cluster", "leave", "akka.tcp://x@h:1")]
    [InlineData("answered 404 Not Found to POST /api/ingest/backfill: no feed 'nope' on this node", "ingest", "backfill", "nope", "--from", "2024-03-01T00", "--to", "2024-03-01T01")]
    [InlineData("answered 409 Conflict to POST /api/workers: at most 64 workers on this node", "workers", "set", "65")]
    public async Task A_4xx_is_one_line_with_the_endpoints_error_and_exit_2(string problem, params string[] verb)
    {
        var result = await Ctl(verb);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal($"akka-ingest ctl: the node at {_stub.Node} {problem}", result.Stderr.Trim());
    }

    [Fact]
    public async Task An_unreachable_node_is_one_line_and_exit_2()
    {
        var closedPort = LoopbackPorts.Free();

        var result = await InProcessCtl.RunAsync("--node", $"127.0.0.1:{closedPort}", "ingest", "status");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"akka-ingest ctl: cannot reach the admin endpoint of the node at 127.0.0.1:{closedPort} (Connection refused)", result.Stderr);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:9110/api")]
    [InlineData("ftp://127.0.0.1:21")]
    [InlineData("")]
    public async Task A_node_that_is_not_host_and_port_is_refused(string node)
    {
        var result = await InProcessCtl.RunAsync("--node", node, "cluster", "show");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"akka-ingest ctl: --node '{node}' is not host:port, e.g. 127.0.0.1:9110", result.Stderr.Trim());
    }

    [Fact]
    public async Task A_node_can_be_given_as_the_url_the_node_prints()
    {
        Ok(await InProcessCtl.RunAsync("--node", $"http://{_stub.Node}/", "actor", "count"));
        Assert.Equal("/api/actors/count", OnlyRequest().PathAndQuery);
    }
}
