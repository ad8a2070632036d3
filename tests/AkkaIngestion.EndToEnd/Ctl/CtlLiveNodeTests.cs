using System.Diagnostics;
using System.Text.Json;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.EndToEnd.Admin;
using AkkaIngestion.Feeds;

namespace AkkaIngestion.EndToEnd.Ctl;

/// <summary>ctl against a real node (akka-ingest run --admin 127.0.0.1:0 as a process) fed by the archive simulator.</summary>
public sealed class CtlLiveNodeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    private sealed record Setup(TempDirectory Temp, ArchiveSimServer Sim, IReadOnlyList<GeneratedFile> Files) : IAsyncDisposable
    {
        public string[] RunArguments(int workers) =>
        [
            "--source", Sim.BaseUrl.ToString(), "--store", Path.Combine(Temp.Path, "data"), "--from", ArchiveHour.Display(Files[0].Hour),
            "--poll-interval", "1s", "--workers", workers.ToString(),
        ];

        public async ValueTask DisposeAsync()
        {
            await Sim.DisposeAsync();
            Temp.Dispose();
        }
    }

    /// <param name="secondsPerFile">With a value, the simulator sends each body that slowly, so downloads overlap and last.</param>
    private static async Task<Setup> ArchiveAsync(int hours, int fileSize, double? secondsPerFile = null)
    {
        var temp = new TempDirectory();
        var (from, to) = LiveNode.RecentHours(hours);
        var files = ArchiveGenerator.Generate(temp.Sub("archive"), from, to, fileSize, []);
        var sim = await ArchiveSimServer.StartAsync(new ArchiveSimOptions
        {
            Root = Path.Combine(temp.Path, "archive"),
            RateLimitBytesPerSecond = secondsPerFile is { } seconds ? (long)(files.Max(f => f.Length) / seconds) : null,
        });
        return new Setup(temp, sim, files);
    }

    private static async Task<JsonElement> Json(LiveNode node, params string[] verb)
    {
        var result = await InProcessCtl.RunAsync(["--node", node.Admin.Authority, .. verb, "--json"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement;
    }

    private static async Task Eventually(Func<Task<bool>> condition, Func<string> whatWasSeen)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < Timeout, whatWasSeen());
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Cluster_actors_and_ingest_status_of_a_single_node_behind_a_token()
    {
        await using var setup = await ArchiveAsync(4, 16 * 1024);
        var environment = new Dictionary<string, string> { ["AKKA_INGEST_ADMIN_TOKEN"] = "live-token" };
        await using var node = await LiveNode.StartAsync(setup.Temp.Path, environment, setup.RunArguments(2));

        var refused = await InProcessCtl.RunAsync("--node", node.Admin.Authority, "cluster", "show");
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal($"akka-ingest ctl: the node at {node.Admin.Authority} wants a token (401); pass --token or set AKKA_INGEST_ADMIN_TOKEN",
            refused.Stderr.Trim());

        var cluster = await Json(node, "--token", "live-token", "cluster", "show");
        Assert.Equal("single", cluster.GetProperty("mode").GetString());
        var member = Assert.Single(cluster.GetProperty("members").EnumerateArray());
        Assert.Equal(cluster.GetProperty("self").GetString(), member.GetProperty("address").GetString());
        Assert.Equal(cluster.GetProperty("leader").GetString(), member.GetProperty("address").GetString());

        var actors = await Json(node, "--token", "live-token", "actor", "hierarchy", "--depth", "1");
        var paths = actors.GetProperty("actors").EnumerateArray().Select(a => a.GetProperty("path").GetString()!).ToList();
        Assert.Contains(paths, p => p.StartsWith("/user/", StringComparison.Ordinal));
        Assert.All(actors.GetProperty("actors").EnumerateArray(), a => Assert.InRange(a.GetProperty("depth").GetInt32(), 0, 1));
        var tree = await InProcessCtl.RunAsync("--node", node.Admin.Authority, "--token", "live-token", "actor", "hierarchy");
        Assert.True(tree.ExitCode == 0, tree.ToString());
        Assert.Contains("── user", tree.Stdout);
        var count = await Json(node, "--token", "live-token", "actor", "count");
        Assert.True(count.GetProperty("count").GetInt32() >= count.GetProperty("user").GetInt32() + count.GetProperty("system").GetInt32());

        JsonElement ingest = default;
        await Eventually(async () =>
        {
            ingest = await Json(node, "--token", "live-token", "ingest", "status");
            return ingest.GetProperty("progress").GetProperty("filesStored").GetInt32() == setup.Files.Count;
        }, () => ingest.ToString());
        var feed = Assert.Single(ingest.GetProperty("feeds").EnumerateArray());
        Assert.Equal("gharchive", feed.GetProperty("feedId").GetString());
        Assert.Equal(2, ingest.GetProperty("downloads").GetProperty("workers").GetInt32());
        var table = await InProcessCtl.RunAsync("--node", node.Admin.Authority, "--token", "live-token", "ingest", "status");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains($"downloads: running, 2 workers, 0 in flight", table.Stdout);
        Assert.Contains($"{setup.Files.Count} stored", table.Stdout);
    }

    [Fact]
    public async Task Workers_set_3_makes_three_downloads_run_at_once()
    {
        await using var setup = await ArchiveAsync(12, 16 * 1024, secondsPerFile: 1.5);
        await using var node = await LiveNode.StartAsync(setup.Temp.Path, null, setup.RunArguments(1));
        await Eventually(() => Task.FromResult(setup.Sim.Stats.Gets > 0), () => "no download started");
        Assert.Equal(1, setup.Sim.Stats.PeakConcurrentGets);

        var answer = await Json(node, "workers", "set", "3");

        Assert.Equal(3, answer.GetProperty("workers").GetInt32());
        await Eventually(() => Task.FromResult(setup.Sim.Stats.GetsInFlight == 3), () => setup.Sim.Stats.ToString());
        Assert.Equal(3, setup.Sim.Stats.PeakConcurrentGets);
        Assert.Equal(3, (await Json(node, "ingest", "status")).GetProperty("downloads").GetProperty("workers").GetInt32());
    }

    [Fact]
    public async Task Pause_stops_new_downloads_and_resume_restarts_them()
    {
        await using var setup = await ArchiveAsync(10, 16 * 1024, secondsPerFile: 0.5);
        await using var node = await LiveNode.StartAsync(setup.Temp.Path, null, setup.RunArguments(2));
        await Eventually(() => Task.FromResult(setup.Sim.Stats.Gets > 0), () => "no download started");

        var paused = await Json(node, "ingest", "pause");
        Assert.True(paused.GetProperty("downloadsPaused").GetBoolean(), paused.ToString());
        Assert.Equal(["gharchive"], paused.GetProperty("paused").EnumerateArray().Select(f => f.GetString()));
        JsonElement status = default;
        await Eventually(async () =>
        {
            status = await Json(node, "ingest", "status");
            return status.GetProperty("downloads").GetProperty("inFlight").GetInt32() == 0;
        }, () => status.ToString());
        Assert.True(status.GetProperty("downloads").GetProperty("paused").GetBoolean());
        Assert.True(status.GetProperty("feeds")[0].GetProperty("paused").GetBoolean());
        var getsWhenPaused = setup.Sim.Stats.Gets;
        Assert.True(getsWhenPaused < setup.Files.Count, "every file was fetched before the pause, so it proves nothing");

        // That nothing starts can only be seen by watching for a while: three times the time a download takes.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(getsWhenPaused, setup.Sim.Stats.Gets);

        var resumed = await Json(node, "ingest", "resume");
        Assert.False(resumed.GetProperty("downloadsPaused").GetBoolean(), resumed.ToString());
        await Eventually(() => Task.FromResult(setup.Sim.Stats.Gets > getsWhenPaused), () => setup.Sim.Stats.ToString());
        await Eventually(async () =>
            (await Json(node, "ingest", "status")).GetProperty("progress").GetProperty("filesStored").GetInt32() == setup.Files.Count,
            () => setup.Sim.Stats.ToString());
    }
}
