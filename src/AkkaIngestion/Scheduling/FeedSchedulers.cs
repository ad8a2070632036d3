using Akka.Actor;
using AkkaIngestion.Feeds;

namespace AkkaIngestion.Scheduling;

/// <summary>
/// Parent of one <see cref="FeedScheduler"/> per feed on a single node; routes <see cref="ToFeed"/> envelopes to them.
/// A restarted scheduler reloads its bookmark, so the default restart supervision loses nothing. In a cluster the
/// shard region takes this place under the same registry key and the same envelope.
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
    }

    public static Props Props(IReadOnlyList<FeedDefinition> feeds, Func<FeedDefinition, Props> schedulerProps) =>
        Akka.Actor.Props.Create(() => new FeedSchedulers(feeds, schedulerProps));

    /// <summary>Delivers <paramref name="Message"/> to the scheduler of <paramref name="FeedId"/>; replies go to the sender.</summary>
    public sealed record ToFeed(string FeedId, object Message);
}
