using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace AkkaIngestion.Cluster;

/// <summary>
/// Logs this node's address and roles, every membership and leader change, and after each change the members that are
/// up ("cluster: 3 member(s) up: ..."), so an operator or a test can read the cluster's shape from any node's log.
/// </summary>
public sealed class ClusterEventLogger : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly SortedSet<Address> _up = new(Comparer<Address>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString())));

    public ClusterEventLogger()
    {
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            _log.Info("cluster: this node is {0} with roles [{1}]; {2} member(s), leader {3}",
                _cluster.SelfAddress, string.Join(",", _cluster.SelfRoles), state.Members.Count, state.Leader?.ToString() ?? "none yet");
            _up.UnionWith(state.Members.Where(m => m.Status == MemberStatus.Up).Select(m => m.Address));
            if (_up.Count > 0) LogMembers();
        });
        Receive<ClusterEvent.MemberUp>(e =>
        {
            _log.Info("cluster: member up {0} [{1}]", e.Member.Address, string.Join(",", e.Member.Roles));
            if (_up.Add(e.Member.Address)) LogMembers();
        });
        Receive<ClusterEvent.MemberLeft>(e => _log.Info("cluster: member leaving {0}", e.Member.Address));
        Receive<ClusterEvent.MemberExited>(e => _log.Info("cluster: member exited {0}", e.Member.Address));
        Receive<ClusterEvent.MemberRemoved>(e =>
        {
            _log.Info("cluster: member removed {0} (was {1})", e.Member.Address, e.PreviousStatus);
            if (_up.Remove(e.Member.Address)) LogMembers();
        });
        Receive<ClusterEvent.UnreachableMember>(e => _log.Warning("cluster: member unreachable {0}", e.Member.Address));
        Receive<ClusterEvent.ReachableMember>(e => _log.Info("cluster: member reachable again {0}", e.Member.Address));
        Receive<ClusterEvent.LeaderChanged>(e => _log.Info("cluster: leader is now {0}", e.Leader?.ToString() ?? "none"));
    }

    private void LogMembers() => _log.Info("cluster: {0} member(s) up: {1}", _up.Count, string.Join(", ", _up));

    public static Props Props() => Akka.Actor.Props.Create(() => new ClusterEventLogger());

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.ReachabilityEvent), typeof(ClusterEvent.LeaderChanged));

    protected override void PostStop() => _cluster.Unsubscribe(Self);
}
