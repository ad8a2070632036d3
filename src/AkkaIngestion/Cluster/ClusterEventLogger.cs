using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace AkkaIngestion.Cluster;

/// <summary>Logs this node's address and roles, and every membership and leader change, for operators reading logs.</summary>
public sealed class ClusterEventLogger : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);

    public ClusterEventLogger()
    {
        Receive<ClusterEvent.CurrentClusterState>(state =>
            _log.Info("cluster: this node is {0} with roles [{1}]; {2} member(s), leader {3}",
                _cluster.SelfAddress, string.Join(",", _cluster.SelfRoles), state.Members.Count, state.Leader?.ToString() ?? "none yet"));
        Receive<ClusterEvent.MemberUp>(e => _log.Info("cluster: member up {0} [{1}]", e.Member.Address, string.Join(",", e.Member.Roles)));
        Receive<ClusterEvent.MemberLeft>(e => _log.Info("cluster: member leaving {0}", e.Member.Address));
        Receive<ClusterEvent.MemberExited>(e => _log.Info("cluster: member exited {0}", e.Member.Address));
        Receive<ClusterEvent.MemberRemoved>(e => _log.Info("cluster: member removed {0} (was {1})", e.Member.Address, e.PreviousStatus));
        Receive<ClusterEvent.UnreachableMember>(e => _log.Warning("cluster: member unreachable {0}", e.Member.Address));
        Receive<ClusterEvent.ReachableMember>(e => _log.Info("cluster: member reachable again {0}", e.Member.Address));
        Receive<ClusterEvent.LeaderChanged>(e => _log.Info("cluster: leader is now {0}", e.Leader?.ToString() ?? "none"));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new ClusterEventLogger());

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.ReachabilityEvent), typeof(ClusterEvent.LeaderChanged));

    protected override void PostStop() => _cluster.Unsubscribe(Self);
}
