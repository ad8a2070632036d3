using Akka.Actor;
using AkkaIngestion.Feeds;

namespace AkkaIngestion.Scheduling;

/// <summary>
/// Parent of one <see cref="FeedScheduler"/> per feed on a single node; routes <see cref="ToFeed"/> envelopes to them.
/// A restarted scheduler reloads its bookmark, so the default restart supervision loses nothing.
/// </summary>
public sealed class FeedSchedulers : ReceiveActor
{
    public FeedSchedulers(IReadOnlyList<FeedDefinition> feeds, Func<FeedDefinition, Props> schedulerProps)
    {
        var children = feeds.ToDictionary(f => f.Id, f => Context.ActorOf(schedulerProps(f), "feed-" + Uri.EscapeDataString(f.Id)));
        Receive<ToFeed>(envelope =>
        {
            if (children.TryGetValue(envelope.FeedId, out var child)) child.Forward(envelope.Message);
            else Sender.Tell(new Status.Failure(new ArgumentException($"no feed named '{envelope.FeedId}'")));
        });
        Receive<ToEveryFeed>(envelope =>
        {
            foreach (var child in children.Values) child.Forward(envelope.Message);
        });
    }

    public static Props Props(IReadOnlyList<FeedDefinition> feeds, Func<FeedDefinition, Props> schedulerProps) =>
        Akka.Actor.Props.Create(() => new FeedSchedulers(feeds, schedulerProps));

    /// <summary>Delivers <paramref name="Message"/> to the scheduler of <paramref name="FeedId"/>; replies go to the sender.</summary>
    public sealed record ToFeed(string FeedId, object Message);

    /// <summary>Delivers <paramref name="Message"/> to every scheduler; each replies to the sender.</summary>
    public sealed record ToEveryFeed(object Message);
}
