using Akka.Actor;
using AkkaIngestion.Queueing;
using AkkaIngestion.Scheduling;

namespace AkkaIngestion.Cluster;

/// <summary>
/// On every node of a cluster: forwards what this node's bridge settled to the feed's scheduler, wherever sharding
/// placed it, so the scheduler can forget hours that are done (and a bounded range can complete).
/// </summary>
public sealed class SettlementRelay : ReceiveActor
{
    public SettlementRelay(IActorRef schedulers)
    {
        Receive<FileSettled>(settled => schedulers.Tell(new FeedSchedulers.ToFeed(settled.FeedId, settled)));
    }

    public static Props Props(IActorRef schedulers) => Akka.Actor.Props.Create(() => new SettlementRelay(schedulers));

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(FileSettled));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
