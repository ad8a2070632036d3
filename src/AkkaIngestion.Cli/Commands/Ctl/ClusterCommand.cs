using System.CommandLine;
using Spectre.Console;

namespace AkkaIngestion.Cli.Commands.Ctl;

/// <summary><c>ctl cluster show|leave|down|down-unreachable</c>: membership as the node sees it, and changing it.</summary>
internal static class ClusterCommand
{
    public static Command Create(CtlOptions options) =>
        new("cluster", "Cluster membership: show the members, make one leave, down one or every unreachable one")
        {
            Show(options), Leave(options), Down(options), DownUnreachable(options),
        };

    private static Command Show(CtlOptions options)
    {
        var command = new Command("show", "Members as this node sees them: address, status, roles, reachability, the leader");
        CtlVerb.SetAction(command, options, async (ctl, cancellationToken) =>
            ctl.Print(await ctl.Admin.GetClusterAsync(cancellationToken), cluster =>
            {
                var table = new Table().Border(TableBorder.Rounded)
                    .Title(Markup.Escape($"{cluster.Mode} mode, seen from {cluster.Self ?? ctl.Admin.Node.Display}"))
                    .AddColumn(new TableColumn("address").NoWrap()).AddColumns("status", "roles", "reachable", "");
                foreach (var member in cluster.Members ?? [])
                {
                    var marks = new[] { member.Address == cluster.Leader ? "leader" : null, member.Address == cluster.Self ? "self" : null };
                    table.AddRow(Markup.Escape(member.Address), Markup.Escape(member.Status), Markup.Escape(string.Join(",", member.Roles ?? [])),
                        member.Reachable ? "yes" : "[red]no[/]", string.Join(", ", marks.OfType<string>()));
                }
                ctl.Console.Write(table);
                var unlisted = (cluster.Unreachable ?? []).Except((cluster.Members ?? []).Select(m => m.Address)).ToList();
                if (unlisted.Count > 0) ctl.Line("unreachable, not a member any more: " + string.Join(", ", unlisted));
                if (cluster.Leader is null) ctl.Line("no leader");
            }));
        return command;
    }

    private static Command Leave(CtlOptions options)
    {
        var address = new Argument<string>("address") { Description = "The member's address, e.g. akka.tcp://akka-ingest@10.0.0.5:4701" };
        var command = new Command("leave", "Ask a member to leave the cluster gracefully (its shards hand off first)") { address };
        CtlVerb.SetAction(command, options, async (ctl, cancellationToken) =>
            ctl.Print(await ctl.Admin.LeaveAsync(ctl.Parsed.GetValue(address)!, cancellationToken), answer => ctl.Line(answer.Message)));
        return command;
    }

    private static Command Down(CtlOptions options)
    {
        var address = new Argument<string>("address") { Description = "The member's address, e.g. akka.tcp://akka-ingest@10.0.0.5:4701" };
        var command = new Command("down", "Mark a member down: for a member that is gone and will not come back") { address };
        CtlVerb.SetAction(command, options, async (ctl, cancellationToken) =>
            ctl.Print(await ctl.Admin.DownAsync(ctl.Parsed.GetValue(address)!, cancellationToken), answer => ctl.Line(answer.Message)));
        return command;
    }

    private static Command DownUnreachable(CtlOptions options)
    {
        var command = new Command("down-unreachable", "Mark every member this node sees as unreachable down");
        CtlVerb.SetAction(command, options, async (ctl, cancellationToken) =>
            ctl.Print(await ctl.Admin.DownUnreachableAsync(cancellationToken), answer =>
                ctl.Line(answer.Downed is { Count: > 0 } downed ? "downed: " + string.Join(", ", downed) : "no unreachable member to down")));
        return command;
    }
}
