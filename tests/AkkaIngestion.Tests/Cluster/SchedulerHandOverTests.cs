using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using AkkaIngestion.Cluster;
using AkkaIngestion.Feeds;
using AkkaIngestion.Hosting;
using AkkaIngestion.Scheduling;
using AkkaIngestion.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace AkkaIngestion.Tests.Cluster;

/// <summary>
/// Two cluster nodes in this process, each a generic host with the real <see cref="ClusterHosting.WithIngestionCluster"/>
/// on its own loopback port, sharing one store, source and queue as nodes share S3, the archive and SQS.
/// </summary>
public sealed class SchedulerHandOverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTime First = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly FeedDefinition Feed =
        FeedDefinition.GhArchive(new Uri("http://127.0.0.1:1/"), TimeSpan.FromMilliseconds(100)) with { Id = "a", StorePrefix = "a", StartHour = First };
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    private readonly HourSetSource _source = new(Hours(0, 10));
    private readonly MemoryObjectStore _store = new();
    private readonly RecordingQueue _queue = new(durable: true);
    // Far ahead, so what the source has published is the only limit.
    private readonly ManualClock _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<IHost> _hosts = [];

    private static IEnumerable<DateTime> Hours(int from, int count) => Enumerable.Range(from, count).Select(h => First.AddHours(h));

    [Fact]
    public async Task A_leaving_node_hands_its_feed_over_and_the_other_resumes_from_the_bookmark_losing_no_hour()
    {
        var seedPort = FreeLoopbackPort();
        var first = await StartNode(seedPort, seedPort);
        var second = await StartNode(FreeLoopbackPort(), seedPort);
        await Eventually(() => Task.FromResult(UpMembers(first) == 2 && UpMembers(second) == 2), "both nodes up in one cluster");
        await Eventually(() => Task.FromResult(Bookmark() == First.AddHours(9)), "the first ten hours enqueued and in the bookmark");
        var owner = await OwnerOf(first, second);
        var survivor = owner == first ? second : first;

        // New hours appear while the feed changes hands.
        var publishing = Task.Run(async () =>
        {
            foreach (var hour in Hours(10, 20))
            {
                _source.Publish(hour);
                await Task.Delay(40);
            }
        });
        var leaving = Stopwatch.StartNew();
        await owner.StopAsync();
        output.WriteLine($"the owner left (hand-off included) in {leaving.Elapsed.TotalSeconds:F1} s");
        await Eventually(async () => await Hosts(survivor, Feed.Id), "the scheduler running on the remaining node");
        output.WriteLine($"the scheduler ran again on the other node {leaving.Elapsed.TotalSeconds:F1} s after the leave began");
        await publishing;
        await Eventually(() => Task.FromResult(Bookmark() == First.AddHours(29)), "every hour enqueued and in the bookmark");

        var enqueued = _queue.Sent.Select(j => j.FileName).ToHashSet();
        Assert.Equal(Hours(0, 30).Select(Feed.Naming.NameOf).ToHashSet(), enqueued);
        // The second scheduler read the bookmark the first one wrote: the hours before it were never probed again.
        Assert.All(Hours(0, 10), hour => Assert.Equal(1, _source.Probes[Feed.Naming.NameOf(hour)]));
        var history = BookmarkHistory();
        Assert.True(history.Count >= 2, $"the bookmark was written {history.Count} time(s)");
        Assert.Equal(history.Order(), history);
    }

    private async Task<IHost> StartNode(int port, int seedPort)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var settings = new FeedSchedulerSettings(4, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), null, null);
        var cluster = new AkkaIngestion.Hosting.ClusterSettings
        {
            Port = port,
            SeedNodes = $"127.0.0.1:{seedPort}",
            StableAfter = TimeSpan.FromSeconds(2),
        };
        builder.Services.AddAkka(IngestionHosting.SystemName, akka => akka
            .AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend)
            .WithIngestionCluster(cluster, [Feed], feed => FeedScheduler.Props(feed, _source, _store, _queue, settings, _clock)));
        var host = builder.Build();
        _hosts.Add(host);
        await host.StartAsync();
        return host;
    }

    private static int UpMembers(IHost host) =>
        Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<ActorSystem>()).State.Members.Count(m => m.Status == MemberStatus.Up);

    private static async Task<bool> Hosts(IHost host, string feedId)
    {
        var region = host.Services.GetRequiredService<ActorRegistry>().Get<FeedSchedulers>();
        var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
        return state.Shards.Any(shard => shard.EntityIds.Contains(feedId));
    }

    private static async Task<IHost> OwnerOf(IHost first, IHost second)
    {
        var onFirst = await Hosts(first, Feed.Id);
        var onSecond = await Hosts(second, Feed.Id);
        Assert.True(onFirst ^ onSecond, $"the scheduler should run on exactly one node (first: {onFirst}, second: {onSecond})");
        return onFirst ? first : second;
    }

    private DateTime? Bookmark()
    {
        var text = _store.Text(Feed.BookmarkKey);
        return text is not null && BookmarkDocument.TryParse(text, Feed, out var document, out _) ? document.SettledThrough : null;
    }

    private List<DateTime?> BookmarkHistory() => _store.TextHistory
        .Where(write => write.Key == Feed.BookmarkKey)
        .Select(write => BookmarkDocument.TryParse(write.Content, Feed, out var document, out var error)
            ? document.SettledThrough
            : throw new InvalidOperationException(error))
        .ToList();

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > Patience) Assert.Fail($"not within {Patience.TotalSeconds} s: {what}");
            await Task.Delay(50);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
