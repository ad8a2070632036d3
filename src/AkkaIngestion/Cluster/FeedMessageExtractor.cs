using Akka.Cluster.Sharding;
using AkkaIngestion.Scheduling;

namespace AkkaIngestion.Cluster;

/// <summary>
/// Routes <see cref="FeedSchedulers.ToFeed"/> envelopes to the feed's scheduler entity. Each feed is its own shard:
/// there are few feeds, and one shard each lets the coordinator spread them evenly over the nodes.
/// </summary>
public sealed class FeedMessageExtractor : IMessageExtractor
{
    // Akka handles its own StartEntity messages (remember-entities) before asking the extractor.
    public string? EntityId(object message) => message is FeedSchedulers.ToFeed envelope ? envelope.FeedId : null;

    public object? EntityMessage(object message) => message is FeedSchedulers.ToFeed envelope ? envelope.Message : message;

    public string? ShardId(object message) => EntityId(message);

    public string ShardId(string entityId, object? messageHint = null) => entityId;
}
