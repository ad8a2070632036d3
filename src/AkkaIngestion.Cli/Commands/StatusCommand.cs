using System.CommandLine;
using System.Text.Json;
using AkkaIngestion.Feeds;
using AkkaIngestion.Hosting;
using AkkaIngestion.Queueing;
using AkkaIngestion.Scheduling;
using AkkaIngestion.Storage;
using Spectre.Console;

namespace AkkaIngestion.Cli.Commands;

/// <summary><c>akka-ingest status</c>: what the store says about a feed: bookmark, files, gaps, dead letters.</summary>
internal static class StatusCommand
{
    private static readonly Option<string?> Node = new("--node")
    {
        Description = "Also show the cluster's members as this node's admin endpoint sees them (host:port, token from AKKA_INGEST_ADMIN_TOKEN)",
    };

    public static Command Create()
    {
        var command = new Command("status", "Show the bookmark, stored files, gaps and dead letters of a store")
        {
            NodeSettings.Store, NodeSettings.Config, NodeSettings.Json, Node,
        };
        Cli.SetGuardedAction(command, ShowAsync);
        return command;
    }

    /// <summary>The members through the node's admin endpoint; an unreachable node or a refused token is a usage error.</summary>
    private static async Task<Ctl.ClusterState?> MembersAsync(string? node, CancellationToken cancellationToken)
    {
        if (node is null) return null;
        if (!Ctl.AdminNode.TryParse(node, out var address, out var error)) throw new UsageException(error);
        using var client = new Ctl.AdminClient(address, Environment.GetEnvironmentVariable(Ctl.AdminClient.TokenVariable));
        try
        {
            return (await client.GetClusterAsync(cancellationToken)).Value;
        }
        catch (Ctl.AdminCallException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static async Task<int> ShowAsync(ParseResult parsed, CancellationToken cancellationToken)
    {
        var options = NodeSettings.Load(parsed);
        var store = Backends.OpenStore(options.Store);
        await store.CheckReachableAsync(cancellationToken);
        var feed = FeedDefinition.GhArchive();
        var bookmark = (await new FeedBookmarks(store, feed).LoadAsync(cancellationToken)).Document;

        long files = 0, bytes = 0, unrecorded = 0;
        string? firstFile = null, lastFile = null;
        var firstHour = DateTime.MaxValue;
        var lastHour = DateTime.MinValue;
        var prefix = feed.ObjectKey("");
        await foreach (var item in store.ListAsync(prefix, cancellationToken))
        {
            files++;
            bytes += item.Size;
            if (item.Record is null) unrecorded++;
            if (!feed.Naming.TryParse(item.Key[prefix.Length..], out var hour)) continue;
            if (hour < firstHour) (firstHour, firstFile) = (hour, item.Key[prefix.Length..]);
            if (hour > lastHour) (lastHour, lastFile) = (hour, item.Key[prefix.Length..]);
        }
        var deadLetters = await DeadLetterRecord.ListAsync(store, [feed], cancellationToken);
        var settled = bookmark.SettledThrough is { } s ? feed.Naming.NameOf(s) : null;
        var members = await MembersAsync(parsed.GetValue(Node), cancellationToken);

        if (parsed.GetValue(NodeSettings.Json))
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                store = store.Location,
                feed = feed.Id,
                bookmark = settled,
                files,
                bytes,
                unrecorded,
                firstFile,
                lastFile,
                gaps = bookmark.Gaps.Select(g => new { file = feed.Naming.NameOf(g.Hour), firstSeen = g.FirstSeen, lastProbed = g.LastProbed, probes = g.Probes }),
                members = members?.Members?.Select(m => new { address = m.Address, status = m.Status, roles = m.Roles, reachable = m.Reachable }),
                deadLetters = deadLetters.Select(d => new { key = d.Key, file = d.Record?.FileName, body = d.Record?.Body, reason = d.Record?.Reason ?? d.Problem }),
            }, new JsonSerializerOptions { WriteIndented = true }));
            return Cli.Ok;
        }

        var table = new Table().AddColumn("").AddColumn(store.Location).Border(TableBorder.Rounded);
        table.AddRow("feed", feed.Id);
        table.AddRow("bookmark", settled ?? "(none yet)");
        table.AddRow("files stored", $"{files} ({bytes / 1048576.0:F1} MiB)" + (unrecorded > 0 ? $", {unrecorded} without a record" : ""));
        table.AddRow("first / last", $"{firstFile ?? "-"} / {lastFile ?? "-"}");
        table.AddRow("gaps", bookmark.Gaps.Count.ToString());
        table.AddRow("dead letters", deadLetters.Count.ToString());
        AnsiConsole.Write(table);
        if (members is not null)
        {
            var cluster = new Table().AddColumns("member", "status", "roles", "reachable").Border(TableBorder.Simple);
            foreach (var member in members.Members ?? [])
                cluster.AddRow(Markup.Escape(member.Address + (member.Address == members.Leader ? " (leader)" : "")), member.Status,
                    string.Join(",", member.Roles ?? []), member.Reachable ? "yes" : "[red]no[/]");
            AnsiConsole.Write(cluster);
        }

        if (bookmark.Gaps.Count > 0)
        {
            var gaps = new Table().AddColumns("gap", "first seen", "last probed", "probes").Border(TableBorder.Simple);
            foreach (var gap in bookmark.Gaps)
                gaps.AddRow(feed.Naming.NameOf(gap.Hour), gap.FirstSeen.ToString("u"), gap.LastProbed.ToString("u"), gap.Probes.ToString());
            AnsiConsole.Write(gaps);
        }
        if (deadLetters.Count > 0)
        {
            var dead = new Table().AddColumns("dead letter", "reason").Border(TableBorder.Simple);
            foreach (var letter in deadLetters)
                dead.AddRow(Markup.Escape(letter.Record?.FileName ?? letter.Record?.Body ?? letter.Key), Markup.Escape(letter.Record?.Reason ?? letter.Problem ?? ""));
            AnsiConsole.Write(dead);
        }
        return Cli.Ok;
    }
}
