using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Remote.Hosting;
using AkkaIngestion.Feeds;
using AkkaIngestion.Hosting;
using AkkaIngestion.Scheduling;

namespace AkkaIngestion.Cluster;

/// <summary>
/// What a clustered node adds: remoting, cluster membership with a keep-majority split-brain resolver, the feed
/// schedulers as a sharded entity type, and the node-local helpers that wake them and tell them what this node settled.
/// Remember-entities (in distributed data) restarts a scheduler at once when its node dies or its shard moves; across a
/// full cluster restart the feeds configuration is the durable record of which schedulers exist (<see cref="FeedKeeper"/>
/// wakes each one) and the bookmark in the store is where each resumes. A durable remember store (LMDB) was tried and
/// left out: the LightningDB version Akka.DistributedData.LightningDB 1.5.73 is built against is not served here.
/// </summary>
public static class ClusterHosting
{
    public const string Role = "ingest";
    public const string ShardTypeName = "feed-scheduler";

    public static AkkaConfigurationBuilder WithIngestionCluster(this AkkaConfigurationBuilder builder, ClusterSettings cluster,
        IReadOnlyList<FeedDefinition> feeds, Func<FeedDefinition, Props> schedulerProps)
    {
        var port = cluster.Port ?? throw new ArgumentException("a cluster node needs a port", nameof(cluster));
        var feedsById = feeds.ToDictionary(f => f.Id);
        var seeds = SeedNodes.Parse(cluster.SeedNodes);
        if (seeds.Count == 0) seeds = [$"{cluster.Hostname}:{port}"];

        return builder
            .AddHocon(Hocon(cluster), HoconAddMode.Prepend)
            .WithRemoting(cluster.Hostname, port)
            .WithClustering(new ClusterOptions
            {
                SeedNodes = seeds.Select(seed => $"akka.tcp://{IngestionHosting.SystemName}@{seed}").ToArray(),
                Roles = [Role],
                SplitBrainResolver = new KeepMajorityOption(),
            })
            .WithShardRegion<FeedSchedulers>(ShardTypeName,
                entityId => feedsById.TryGetValue(entityId, out var feed) ? schedulerProps(feed) : RetiredFeed.Props(entityId),
                new FeedMessageExtractor(),
                new ShardOptions
                {
                    Role = Role,
                    RememberEntities = true,
                    RememberEntitiesStore = RememberEntitiesStore.DData,
                    StateStoreMode = StateStoreMode.DData,
                    HandOffStopMessage = FeedScheduler.HandOff.Instance,
                })
            .WithActors((system, registry, _) =>
            {
                var region = registry.Get<FeedSchedulers>();
                system.ActorOf(ClusterEventLogger.Props(), "cluster-events");
                system.ActorOf(SettlementRelay.Props(region), "settlement-relay");
                system.ActorOf(FeedKeeper.Props(feeds, region), "feed-keeper");
            });
    }

    private static string Hocon(ClusterSettings cluster) => $$"""
            akka.cluster.sharding.distributed-data.durable.keys = []
            akka.cluster.sharding.passivate-idle-entity-after = off
            akka.cluster.split-brain-resolver.stable-after = {{Milliseconds(cluster.StableAfter)}}
            akka.cluster.failure-detector.heartbeat-interval = {{Milliseconds(cluster.HeartbeatInterval)}}
            akka.cluster.failure-detector.acceptable-heartbeat-pause = {{Milliseconds(cluster.AcceptableHeartbeatPause)}}
            """;

    private static string Milliseconds(TimeSpan duration) => $"{(long)duration.TotalMilliseconds}ms";
}

/// <summary>host:port lists as given on the command line or in AKKA_INGEST__CLUSTER__SEEDNODES.</summary>
public static class SeedNodes
{
    public static IReadOnlyList<string> Parse(string? text)
    {
        var seeds = new List<string>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(part[(colon + 1)..], out var port) || port is < 1 or > 65535)
                throw new BackendConfigurationException($"--seed-nodes: '{part}' is not host:port");
            seeds.Add(part);
        }
        return seeds;
    }
}
