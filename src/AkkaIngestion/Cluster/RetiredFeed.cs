using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace AkkaIngestion.Cluster;

/// <summary>
/// Stands in for a remembered scheduler whose feed is no longer configured: says so once and passivates, which also
/// removes it from the remembered entities.
/// </summary>
public sealed class RetiredFeed : ReceiveActor
{
    public RetiredFeed(string feedId)
    {
        Context.GetLogger().Warning("feed '{0}' is remembered by the cluster but not configured on this node; retiring it", feedId);
        ReceiveAny(_ => { });
    }

    public static Props Props(string feedId) => Akka.Actor.Props.Create(() => new RetiredFeed(feedId));

    protected override void PreStart() => Context.Parent.Tell(new Passivate(PoisonPill.Instance));
}
