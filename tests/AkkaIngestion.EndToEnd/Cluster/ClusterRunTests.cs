using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.EndToEnd.Aws.Fauxqs;
using AkkaIngestion.Feeds;
using AkkaIngestion.Scheduling;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Xunit.Abstractions;

namespace AkkaIngestion.EndToEnd.Cluster;

/// <summary>
/// Clusters of the real executable on loopback, sharing S3 and SQS (fauxqs) and one archive simulator: membership,
/// joining, SIGKILL and SIGTERM of nodes, and what each leaves behind in the store and the queue.
/// </summary>
[Collection(FauxqsCollection.Name)]
public sealed class ClusterRunTests(FauxqsServer fauxqs, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTime From = new(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan NodeExit = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _temp = new();
    private readonly string _bucket = "cluster-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _queue = "cluster-" + Guid.NewGuid().ToString("N")[..12];
    private readonly IAmazonS3 _s3 = fauxqs.CreateS3Client();
    private readonly IAmazonSQS _sqs = fauxqs.CreateSqsClient();
    private readonly List<ClusterNode> _nodes = [];
    private ArchiveSimServer? _sim;

    /// <summary>
    /// Every file of two feeds (the same simulated hours under two store prefixes), through three SIGKILLs of a node —
    /// twice the one running feed a's scheduler, once feed b's — each killed node started again.
    /// </summary>
    [Fact]
    public async Task Three_nodes_ingest_two_feeds_through_three_kills_storing_every_file_once_intact_with_bookmarks_only_moving_forward()
    {
        var to = From.AddHours(99);
        // Slow probes keep the schedulers busy while nodes die; throttled bodies keep downloads in flight.
        var generated = await StartArchiveAsync(to, fileSize: 16 * 1024, new ArchiveSimOptions
        {
            Root = "", RateLimitBytesPerSecond = 16 * 1024, Delay = TimeSpan.FromMilliseconds(150),
        });
        var feedsFile = Path.Combine(_temp.Path, "feeds.json");
        await File.WriteAllTextAsync(feedsFile, $$"""
            {"feeds": [
              {"id": "a", "baseUrl": "{{_sim!.BaseUrl}}", "storePrefix": "a"},
              {"id": "b", "baseUrl": "{{_sim.BaseUrl}}", "storePrefix": "b"}
            ]}
            """);
        var feeds = FeedCatalog.ReadFile(feedsFile, TimeSpan.FromMinutes(5));
        await SetupAsync();
        var nodes = StartNodes(3, to, Environment(("AKKA_INGEST__VISIBILITYTIMEOUT", "00:00:05"), ("AKKA_INGEST__PROBEPARALLELISM", "1")),
            "--feeds", feedsFile);
        await FormedAsync(nodes);

        using var watching = new CancellationTokenSource();
        var bookmarks = feeds.ToDictionary(f => f.Id, _ => new List<DateTime>());
        var watcher = WatchBookmarksAsync(feeds, bookmarks, watching.Token);

        // When each feed's scheduler last died with its node: only a start after that tells where it runs now.
        var lost = feeds.ToDictionary(f => f.Id, _ => DateTime.MinValue);
        foreach (var feedId in new[] { "a", "b", "a" })
        {
            var victim = await SchedulerHostAsync(nodes, feedId, lost[feedId]);
            var hosted = new List<string>();
            foreach (var feed in feeds)
                if (await SchedulerHostAsync(nodes, feed.Id, lost[feed.Id]) == victim) hosted.Add(feed.Id);
            await victim.KillAsync();
            var killedAt = DateTime.UtcNow;
            foreach (var id in hosted) lost[id] = killedAt;
            var successor = await Eventually(() => nodes.Where(n => n.IsRunning).FirstOrDefault(n => n.LastLogged(SchedulerStart(feedId)) > killedAt),
                TimeSpan.FromSeconds(60), $"feed {feedId}'s scheduler running again after {victim.Name} was killed", nodes);
            output.WriteLine($"killed {victim.Name} (scheduler of {string.Join(", ", hosted)}); {feedId} ran again on {successor.Name} after " +
                             $"{(successor.LastLogged(SchedulerStart(feedId))!.Value - killedAt).TotalSeconds:F1} s");
            victim.Start();
            await Eventually(() => victim.Logged("cluster: 3 member(s) up") ? victim : null, TimeSpan.FromSeconds(60),
                $"{victim.Name} back in the cluster", nodes);
            output.WriteLine($"{victim.Name} rejoined {(DateTime.UtcNow - killedAt).TotalSeconds:F1} s after it was killed");
        }

        var expectedKeys = feeds.SelectMany(f => generated.Select(g => f.ObjectKey(g.Name))).ToHashSet();
        var finishing = Stopwatch.StartNew();
        while (StoredCount() < expectedKeys.Count || await MessagesInQueueAsync() > 0)
        {
            if (finishing.Elapsed > TimeSpan.FromSeconds(150))
            {
                var missing = expectedKeys.Except(await ListAsync()).Order().ToList();
                var state = $"after 150 s, {missing.Count} file(s) missing ({string.Join(", ", missing.Take(10))}), " +
                            $"queue: {await QueueStateAsync(_queue)}; dead-letter queue: {await QueueStateAsync(_queue + "-dlq")}; " +
                            $"simulator: {_sim!.Stats.GetsInFlight} GET(s) in flight, {_sim.Stats}";
                // A stopping node logs what it still held and how that ended.
                foreach (var node in nodes.Where(n => n.IsRunning)) node.Terminate();
                foreach (var node in nodes) await node.WaitForExitAsync(NodeExit);
                Assert.Fail(state + "\n" + string.Join('\n', nodes.Select(n => n.Log)));
            }
            await Task.Delay(200);
        }
        await watching.CancelAsync();
        await watcher;
        await StopAllAsync(nodes);

        var objects = await ListAsync();
        Assert.Equal(expectedKeys.Concat(feeds.Select(f => f.BookmarkKey)).Order(StringComparer.Ordinal), objects.Order(StringComparer.Ordinal));
        foreach (var feed in feeds)
        foreach (var file in generated)
            Assert.Equal(await File.ReadAllBytesAsync(file.Path), await ReadAsync(feed.ObjectKey(file.Name)));
        Assert.Empty(OpenMultipartUploads());
        Assert.Equal(0, await MessagesInQueueAsync());
        foreach (var (feedId, seen) in bookmarks)
        {
            output.WriteLine($"bookmark of {feedId}: {seen.Count} distinct value(s) seen, from {seen.FirstOrDefault():u} to {seen.LastOrDefault():u}");
            Assert.True(seen.Count > 1, $"the bookmark of {feedId} was seen moving only {seen.Count} time(s)");
            Assert.Equal(seen.Order(), seen);
            Assert.Equal(to, seen[^1]);
        }
    }

    /// <summary>
    /// Three nodes form one cluster; a fourth joins it and downloads files; stopped with SIGTERM, it hands back what it
    /// held, so nothing waits for the (one minute) visibility timeout.
    /// </summary>
    [Fact]
    public async Task Three_nodes_form_one_cluster_a_fourth_takes_work_and_on_sigterm_hands_back_what_it_held()
    {
        var to = From.AddHours(89);
        // Most hours are published only once the fourth node is in, so there is work for it whatever the start-up times.
        var early = await StartArchiveAsync(From.AddHours(11), fileSize: 16 * 1024, new ArchiveSimOptions { Root = "", RateLimitBytesPerSecond = 16 * 1024 });
        await SetupAsync();
        var environment = Environment(("AKKA_INGEST__VISIBILITYTIMEOUT", "00:01:00"));
        var nodes = StartNodes(3, to, environment, "--poll-interval", "1s");
        await FormedAsync(nodes);

        var fourth = AddNode(nodes, to, environment, "--poll-interval", "1s");
        fourth.Start();
        await FormedAsync(nodes);
        var generated = early.Concat(ArchiveGenerator.Generate(_temp.Sub("archive"), From.AddHours(12), to, 16 * 1024, [])).ToList();
        var storedAtPublish = StoredCount();
        await Eventually(() => StoredCount() >= storedAtPublish + 12 ? "more" : null, TimeSpan.FromSeconds(60), "a dozen more files stored", nodes);

        var stopping = Stopwatch.StartNew();
        fourth.Terminate();
        Assert.Equal(0, await fourth.WaitForExitAsync(NodeExit));
        var fourthLog = string.Join('\n', fourth.Lines);
        var stored = int.Parse(Regex.Match(fourthLog, @"files stored:\s+(\d+)").Groups[1].Value);
        Assert.True(stored > 0, $"the fourth node stored nothing:\n{fourth.Log}");
        var drained = Regex.Match(fourthLog, @"Draining: releasing (\d+) prefetched messages, waiting up to .* for (\d+) downloads");
        Assert.True(drained.Success, fourth.Log);
        Assert.True(int.Parse(drained.Groups[1].Value) + int.Parse(drained.Groups[2].Value) > 0, $"the fourth node held nothing when stopped:\n{fourth.Log}");

        await Eventually(async () => StoredCount() >= generated.Count && await MessagesInQueueAsync() == 0 ? "done" : null,
            TimeSpan.FromSeconds(45), "every file stored and the queue empty well within the visibility timeout", nodes);
        output.WriteLine($"the fourth node stored {stored} file(s); after its SIGTERM the rest were done in {stopping.Elapsed.TotalSeconds:F1} s (visibility timeout 60 s)");
        await StopAllAsync(nodes);

        var objects = await ListAsync();
        Assert.Equal(generated.Select(g => $"raw/{g.Name}").Append("bookmark.txt").Order(StringComparer.Ordinal), objects.Order(StringComparer.Ordinal));
        foreach (var file in generated)
            Assert.Equal(await File.ReadAllBytesAsync(file.Path), await ReadAsync($"raw/{file.Name}"));
        Assert.Empty(OpenMultipartUploads());
    }

    private static string[] SchedulerStart(string feedId) => [$"] {feedId}: bookmark ", "probing"];

    /// <summary>The running node whose log last said it started the feed's scheduler, once that happened after <paramref name="since"/>.</summary>
    private Task<ClusterNode> SchedulerHostAsync(IReadOnlyList<ClusterNode> nodes, string feedId, DateTime since) =>
        Eventually(() => nodes.Where(n => n.IsRunning)
                .Select(n => (Node: n, At: n.LastLogged(SchedulerStart(feedId))))
                .Where(n => n.At > since)
                .OrderByDescending(n => n.At)
                .Select(n => n.Node)
                .FirstOrDefault(),
            TimeSpan.FromSeconds(60), $"a node running feed {feedId}'s scheduler", nodes);

    private async Task<IReadOnlyList<GeneratedFile>> StartArchiveAsync(DateTime to, long fileSize, ArchiveSimOptions options)
    {
        var archive = _temp.Sub("archive");
        var generated = ArchiveGenerator.Generate(archive, From, to, fileSize, []);
        _sim = await ArchiveSimServer.StartAsync(options with { Root = archive });
        return generated;
    }

    private Dictionary<string, string> Environment(params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = fauxqs.ServiceUrl,
            ["AWS_REGION"] = FauxqsServer.Region,
            ["AWS_ACCESS_KEY_ID"] = "test",
            ["AWS_SECRET_ACCESS_KEY"] = "test",
            ["AKKA_INGEST__RECEIVEWAIT"] = "00:00:01",
            ["AKKA_INGEST__RETRYBASEDELAY"] = "00:00:00.050",
            // A crashed node is marked unreachable after Akka's usual 3 s and downed 2 s later, not 20 s.
            ["AKKA_INGEST__CLUSTER__STABLEAFTER"] = "00:00:02",
        };
        foreach (var (key, value) in extra) environment[key] = value;
        return environment;
    }

    private async Task SetupAsync()
    {
        var setup = await AkkaIngestCli.RunAsync(_temp.Path, TimeSpan.FromMinutes(1), Environment(),
            "setup", "--store", $"s3://{_bucket}", "--queue", $"sqs://{_queue}");
        Assert.True(setup.ExitCode == 0, setup.ToString());
    }

    private List<ClusterNode> StartNodes(int count, DateTime to, Dictionary<string, string> environment, params string[] extraArguments)
    {
        var ports = Enumerable.Range(0, count).Select(_ => LoopbackPorts.Free()).ToList();
        var seeds = string.Join(',', ports.Select(p => $"127.0.0.1:{p}"));
        var nodes = new List<ClusterNode>();
        foreach (var port in ports)
        {
            var node = new ClusterNode($"node{_nodes.Count + 1}@{port}", port, p => Arguments(p, seeds, to, extraArguments), environment, _temp.Path);
            _nodes.Add(node);
            nodes.Add(node);
            node.Start();
        }
        return nodes;
    }

    private ClusterNode AddNode(List<ClusterNode> nodes, DateTime to, Dictionary<string, string> environment, params string[] extraArguments)
    {
        var seeds = string.Join(',', nodes.Select(n => $"127.0.0.1:{n.Port}"));
        var port = LoopbackPorts.Free();
        var node = new ClusterNode($"node{_nodes.Count + 1}@{port}", port, p => Arguments(p, seeds, to, extraArguments), environment, _temp.Path);
        _nodes.Add(node);
        nodes.Add(node);
        return node;
    }

    private string[] Arguments(int port, string seeds, DateTime to, string[] extra) =>
    [
        "run", "--source", _sim!.BaseUrl.ToString(), "--store", $"s3://{_bucket}", "--queue", $"sqs://{_queue}",
        "--from", ArchiveHour.Display(From), "--to", ArchiveHour.Display(to), "--workers", "2",
        "--cluster-port", port.ToString(), "--seed-nodes", seeds, .. extra,
    ];

    /// <summary>Every node's own log says all of them are up: one cluster, not several.</summary>
    private Task FormedAsync(IReadOnlyList<ClusterNode> nodes) =>
        Eventually(() => nodes.All(n => n.Logged($"cluster: {nodes.Count} member(s) up")) ? "formed" : null,
            TimeSpan.FromSeconds(60), $"{nodes.Count} nodes in one cluster", nodes);

    private async Task StopAllAsync(IEnumerable<ClusterNode> nodes)
    {
        var running = nodes.Where(n => n.IsRunning).ToList();
        foreach (var node in running) node.Terminate();
        foreach (var node in running) Assert.True(await node.WaitForExitAsync(NodeExit) == 0, node.Log);
    }

    private async Task WatchBookmarksAsync(IReadOnlyList<FeedDefinition> feeds, Dictionary<string, List<DateTime>> seen, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            foreach (var feed in feeds)
            {
                string text;
                try
                {
                    using var response = await _s3.GetObjectAsync(_bucket, feed.BookmarkKey, token);
                    using var reader = new StreamReader(response.ResponseStream);
                    text = await reader.ReadToEndAsync(token);
                }
                catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
                {
                    continue;
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                Assert.True(BookmarkDocument.TryParse(text, feed, out var document, out var error), error);
                if (document.SettledThrough is { } settled && (seen[feed.Id].Count == 0 || seen[feed.Id][^1] != settled))
                    seen[feed.Id].Add(settled);
            }
            try
            {
                await Task.Delay(100, token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private int StoredCount()
    {
        var objects = Path.Combine(fauxqs.S3StorageDir, "buckets", _bucket, "objects");
        return Directory.Exists(objects) ? Directory.EnumerateFiles(objects, "*.json.gz.data", SearchOption.AllDirectories).Count() : 0;
    }

    private async Task<List<string>> ListAsync()
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = _bucket };
        ListObjectsV2Response page;
        do
        {
            page = await _s3.ListObjectsV2Async(request);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        } while (page.IsTruncated == true);
        return keys;
    }

    private async Task<byte[]> ReadAsync(string key)
    {
        using var response = await _s3.GetObjectAsync(_bucket, key);
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private IReadOnlyList<string> OpenMultipartUploads()
    {
        var root = Path.Combine(fauxqs.S3StorageDir, "_multipart");
        return Directory.Exists(root) ? Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories) : [];
    }

    private async Task<int> MessagesInQueueAsync(string? queue = null)
    {
        var url = (await _sqs.GetQueueUrlAsync(queue ?? _queue)).QueueUrl;
        var attributes = await _sqs.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]);
        return attributes.ApproximateNumberOfMessages + attributes.ApproximateNumberOfMessagesNotVisible;
    }

    private async Task<string> QueueStateAsync(string queue)
    {
        var url = (await _sqs.GetQueueUrlAsync(queue)).QueueUrl;
        var attributes = await _sqs.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]);
        return $"{attributes.ApproximateNumberOfMessages} visible, {attributes.ApproximateNumberOfMessagesNotVisible} in flight";
    }

    private static Task<T> Eventually<T>(Func<T?> probe, TimeSpan patience, string what, IEnumerable<ClusterNode> nodes) where T : class =>
        Eventually(() => Task.FromResult(probe()), patience, what, nodes);

    /// <summary>Polls until <paramref name="probe"/> gives a value; on timeout fails with every node's output.</summary>
    private static async Task<T> Eventually<T>(Func<Task<T?>> probe, TimeSpan patience, string what, IEnumerable<ClusterNode> nodes) where T : class
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value) return value;
            if (waited.Elapsed > patience)
                Assert.Fail($"not within {patience.TotalSeconds} s: {what}\n{string.Join('\n', nodes.Select(n => n.Log))}");
            await Task.Delay(100);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        if (_sim is not null) await _sim.DisposeAsync();
        _s3.Dispose();
        _sqs.Dispose();
        _temp.Dispose();
    }
}
