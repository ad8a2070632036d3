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
    public static Command Create()
    {
        var command = new Command("status", "Show the bookmark, stored files, gaps and dead letters of a store")
        {
            NodeSettings.Store, NodeSettings.Config, NodeSettings.Json,
        };
        Cli.SetGuardedAction(command, ShowAsync);
        return command;
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
