using Akka.Actor;
using Akka.Hosting;
using AkkaIngestion.Feeds;
using AkkaIngestion.Hosting;
using AkkaIngestion.Queueing;
using AkkaIngestion.Scheduling;

namespace AkkaIngestion.Admin;

/// <summary>One feed as the admin API reports it; <see cref="Status"/> is null when its scheduler did not answer.</summary>
public sealed record FeedView(string FeedId, FeedScheduler.FeedStatus? Status, double? LagHours, string? Problem);

/// <summary>The cluster as this node sees it (a single node reports itself as the only member).</summary>
public sealed record ClusterView(string Mode, string Self, string? Leader, IReadOnlyList<MemberView> Members, IReadOnlyList<string> Unreachable);

public sealed record MemberView(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable);

/// <summary>Asks this node's actors what the admin API, the status page and the gauges show.</summary>
public sealed class NodeQueries(ActorSystem system, ActorRegistry registry, RunPlan plan, IngestionOptions options, TimeProvider clock,
    ProgressBoard board)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    public IReadOnlyList<FeedDefinition> Feeds => plan.Feeds;

    public bool Clustered => options.Cluster.Enabled;

    public string NodeName => Clustered ? Akka.Cluster.Cluster.Get(system).SelfAddress.ToString() : "single";

    public ProgressSnapshot Progress => board.Current;

    public FeedDefinition? Feed(string id) => plan.Feeds.FirstOrDefault(f => f.Id == id);

    public Task<IActorRef> Schedulers(CancellationToken token) => registry.GetAsync<FeedSchedulers>(token);

    public async Task<T> AskFeed<T>(string feedId, object message, CancellationToken token) =>
        await (await Schedulers(token)).Ask<T>(new FeedSchedulers.ToFeed(feedId, message), AskTimeout, token);

    public async Task<T> AskBridge<T>(object message, CancellationToken token) =>
        await (await registry.GetAsync<QueueBridge>(token)).Ask<T>(message, AskTimeout, token);

    public async Task<ActivitySnapshot> Activity(CancellationToken token) =>
        await (await registry.GetAsync<NodeActivity>(token)).Ask<ActivitySnapshot>(NodeActivity.GetActivity.Instance, AskTimeout, token);

    public async Task<IReadOnlyList<FeedView>> FeedViews(CancellationToken token)
    {
        var latest = ArchiveHour.Truncate(clock.GetUtcNow().UtcDateTime).AddHours(-1);
        var views = await Task.WhenAll(plan.Feeds.Select(async feed =>
        {
            try
            {
                var status = await AskFeed<FeedScheduler.FeedStatus>(feed.Id, FeedScheduler.GetFeedStatus.Instance, token);
                double? lag = status.Bookmark is { } name && feed.Naming.TryParse(name, out var settled)
                    ? Math.Max(0, (latest - settled).TotalHours)
                    : null;
                return new FeedView(feed.Id, status, lag, null);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return new FeedView(feed.Id, null, null, "its scheduler did not answer (starting, or moving to another node)");
            }
        }));
        return views;
    }

    public ClusterView Cluster()
    {
        if (!Clustered)
        {
            var self = ((ExtendedActorSystem)system).Provider.DefaultAddress.ToString();
            return new ClusterView("single", self, self, [new MemberView(self, "Up", [], true)], []);
        }
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address.ToString()).ToHashSet();
        return new ClusterView("cluster", cluster.SelfAddress.ToString(), state.Leader?.ToString(),
            state.Members.Select(m => new MemberView(m.Address.ToString(), m.Status.ToString(), m.Roles.Order().ToList(),
                !unreachable.Contains(m.Address.ToString()))).OrderBy(m => m.Address, StringComparer.Ordinal).ToList(),
            unreachable.Order().ToList());
    }

    /// <summary>The values behind the gauges: the bridge's held messages, each feed's lag, the members that are up.</summary>
    public async Task<NodeGauges> Gauges(CancellationToken token)
    {
        var bridge = await AskBridge<BridgeStatus>(GetBridgeStatus.Instance, token);
        var feeds = await FeedViews(token);
        var members = Cluster().Members.Count(m => m.Status == "Up");
        return new NodeGauges(bridge.InFlight, bridge.OldestHeld,
            feeds.Where(f => f.LagHours is not null).ToDictionary(f => f.FeedId, f => f.LagHours!.Value), members);
    }
}
