using System.CommandLine;
using Spectre.Console;

namespace AkkaIngestion.Cli.Commands.Ctl;

/// <summary><c>ctl actor hierarchy|count</c>: the node's actor tree, like Petabridge.Cmd's <c>actor hierarchy</c>.</summary>
internal static class ActorCommand
{
    public static Command Create(CtlOptions options) =>
        new("actor", "The node's actors: the hierarchy as a tree, or how many there are") { Hierarchy(options), Count(options) };

    private static Command Hierarchy(CtlOptions options)
    {
        var depth = new Option<int?>("--depth") { Description = "How deep to go below /user and /system (0 = just those two); default: the endpoint's" };
        var command = new Command("hierarchy", "The actor tree under /user and /system") { depth };
        CtlVerb.SetAction(command, options, async (ctl, cancellationToken) =>
        {
            if (ctl.Parsed.GetValue(depth) is < 0) throw new UsageException("--depth must be 0 or more");
            return ctl.Print(await ctl.Admin.GetActorsAsync(ctl.Parsed.GetValue(depth), cancellationToken),
                actors => ctl.Console.Write(TreeOf(actors)));
        });
        return command;
    }

    private static Command Count(CtlOptions options)
    {
        var command = new Command("count", "How many actors the node has, under /user and /system");
        CtlVerb.SetAction(command, options, async (ctl, cancellationToken) =>
            ctl.Print(await ctl.Admin.CountActorsAsync(cancellationToken), count =>
                ctl.Console.Write(new Table().Border(TableBorder.Rounded).Title(Markup.Escape(count.Node))
                    .AddColumns("actors", "/user", "/system")
                    .AddRow(count.Count.ToString(), count.User.ToString(), count.System.ToString()))));
        return command;
    }

    /// <summary>The endpoint lists paths flat; a path's parent is drawn even when the list leaves it out.</summary>
    private static Tree TreeOf(ActorList actors)
    {
        var tree = new Tree(Markup.Escape(actors.Node));
        var nodes = new Dictionary<string, TreeNode>(StringComparer.Ordinal);
        foreach (var actor in (actors.Actors ?? []).OrderBy(a => a.Path, StringComparer.Ordinal))
        {
            var path = "";
            IHasTreeNodes parent = tree;
            foreach (var name in actor.Path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                path += "/" + name;
                if (!nodes.TryGetValue(path, out var node)) nodes[path] = node = parent.AddNode(Markup.Escape(name));
                parent = node;
            }
        }
        return tree;
    }
}
