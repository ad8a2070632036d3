using Akka.Actor;
using Akka.Actor.Internal;

namespace AkkaIngestion.Admin;

/// <summary>One live actor of this node, by path from the root (/user/..., /system/...).</summary>
public sealed record ActorEntry(string Path, int Depth);

/// <summary>Walks this node's live actor tree, as pbm's "actor hierarchy" shows it.</summary>
public static class ActorTree
{
    /// <param name="maxDepth">0 lists only the guardians' children.</param>
    public static IReadOnlyList<ActorEntry> List(ActorSystem system, int maxDepth)
    {
        var extended = (ExtendedActorSystem)system;
        var found = new List<ActorEntry>();
        foreach (var guardian in new[] { extended.Guardian, extended.SystemGuardian }) Walk(guardian, 0, maxDepth, found);
        return found.OrderBy(a => a.Path, StringComparer.Ordinal).ToList();
    }

    private static void Walk(IActorRef parent, int depth, int maxDepth, List<ActorEntry> found)
    {
        if (parent is not ActorRefWithCell withCell) return;
        foreach (var child in withCell.Children)
        {
            found.Add(new ActorEntry(child.Path.ToStringWithoutAddress(), depth));
            if (depth < maxDepth) Walk(child, depth + 1, maxDepth, found);
        }
    }
}
