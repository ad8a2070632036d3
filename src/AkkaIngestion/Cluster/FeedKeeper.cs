using Akka.Actor;
using AkkaIngestion.Feeds;
using AkkaIngestion.Scheduling;

namespace AkkaIngestion.Cluster;

/// <summary>
/// On every node: wakes each configured feed's scheduler at start and then now and again. Sharding starts an entity on
/// its first message, so this is what brings a feed to life in a new cluster, and what restarts one whose node died
/// before remember-entities recorded it. A running scheduler ignores the wake-up.
/// </summary>
public sealed class FeedKeeper : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    public FeedKeeper(IReadOnlyList<FeedDefinition> feeds, IActorRef schedulers)
    {
        Receive<WakeAll>(_ =>
        {
            foreach (var feed in feeds) schedulers.Tell(new FeedSchedulers.ToFeed(feed.Id, FeedScheduler.Wake.Instance));
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IReadOnlyList<FeedDefinition> feeds, IActorRef schedulers) =>
        Akka.Actor.Props.Create(() => new FeedKeeper(feeds, schedulers));

    protected override void PreStart()
    {
        Self.Tell(WakeAll.Instance);
        Timers.StartPeriodicTimer("wake", WakeAll.Instance, Interval);
    }

    private sealed record WakeAll
    {
        public static readonly WakeAll Instance = new();
    }
}
