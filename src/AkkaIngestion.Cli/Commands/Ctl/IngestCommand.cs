using System.CommandLine;
using System.Globalization;
using AkkaIngestion.Feeds;
using Spectre.Console;

namespace AkkaIngestion.Cli.Commands.Ctl;

/// <summary><c>ctl ingest status|pause|resume|backfill|retry-dlq</c>: the node's feeds and downloads.</summary>
internal static class IngestCommand
{
    public static Command Create(CtlOptions options) =>
        new("ingest", "The node's feeds and downloads: status, pause and resume, backfill a range, retry dead letters")
        {
            Status(options), Pause(options), Resume(options), Backfill(options), RetryDeadLetters(options),
        };

    private static Command Status(CtlOptions options)
    {
        var command = new Command("status", "Per feed: bookmark, lag behind the live edge, files in flight, gaps, dead letters; then downloads");
        CtlVerb.SetAction(command, options, async (ctl, cancellationToken) =>
            ctl.Print(await ctl.Admin.GetIngestAsync(cancellationToken), state => Render(ctl, state)));
        return command;
    }

    private static void Render(CtlInvocation ctl, IngestState state)
    {
        var deadLetters = state.DeadLetters ?? [];
        var feeds = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(state.Node))
            .AddColumn("feed").AddColumn(new TableColumn("bookmark").NoWrap()).AddColumns("lag", "in flight", "probes", "gaps", "dead letters", "state");
        foreach (var feed in state.Feeds ?? [])
        {
            feeds.AddRow(Markup.Escape(feed.FeedId), Markup.Escape(feed.Bookmark ?? "(none yet)"), Lag(feed.LagHours),
                Count(feed.Outstanding), Count(feed.ProbesInFlight), (feed.Gaps?.Count ?? 0).ToString(CultureInfo.InvariantCulture),
                deadLetters.Count(d => d.Feed == feed.FeedId).ToString(CultureInfo.InvariantCulture), Markup.Escape(StateOf(feed)));
        }
        ctl.Console.Write(feeds);

        if (state.Downloads is { } downloads)
        {
            var rate = state.Progress is { } progress ? $", {progress.MebibytesPerSecond.ToString("0.0", CultureInfo.InvariantCulture)} MiB/s" : "";
            ctl.Line($"downloads: {(downloads.Paused ? "paused" : "running")}, {downloads.Workers} workers, {downloads.InFlight} in flight " +
                     $"(capacity {downloads.Capacity}), {downloads.Stored} stored, {downloads.AlreadyStored} already stored, " +
                     $"{downloads.DeadLettered} dead-lettered{rate}");
        }
        foreach (var letter in deadLetters)
            ctl.Line($"dead letter: {letter.Feed} {letter.File}" + (string.IsNullOrEmpty(letter.Reason) ? "" : ": " + letter.Reason));
        foreach (var recent in (state.Recent ?? []).TakeLast(5))
            ctl.Line($"{recent.Level} {recent.At.ToString("u", CultureInfo.InvariantCulture)}: {recent.Message}");
    }

    private static string Count(int? count) => count?.ToString(CultureInfo.InvariantCulture) ?? "?";

    private static string Lag(double? hours) => hours switch
    {
        null => "unknown",
        <= 0 => "at the edge",
        _ => hours.Value.ToString("0.#", CultureInfo.InvariantCulture) + " h",
    };

    private static string StateOf(FeedState feed) =>
        !feed.Reachable ? "not answering" + (feed.LastError is null ? "" : ": " + feed.LastError)
        : feed.Paused ? "paused"
        : feed.LastError is not null ? "error: " + feed.LastError
        : feed.RangeCompleted ? "range completed"
        : "running";

    private static Argument<string?> OptionalFeed(string what) => new("feed")
    {
        Description = $"The feed to {what}; without it, every feed of the node and its downloads",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static Command Pause(CtlOptions options)
    {
        var feed = OptionalFeed("pause (its scheduler stops probing and enqueueing)");
        var command = new Command("pause", "Stop finding and enqueueing new hours; without a feed also stop starting downloads (running ones finish)") { feed };
        CtlVerb.SetAction(command, options, async (ctl, cancellationToken) =>
            ctl.Print(await ctl.Admin.PauseAsync(ctl.Parsed.GetValue(feed), cancellationToken), answer =>
                ctl.Line($"paused: {Names(answer.Paused)}; downloads {(answer.DownloadsPaused ? "paused" : "running")}")));
        return command;
    }

    private static Command Resume(CtlOptions options)
    {
        var feed = OptionalFeed("resume");
        var command = new Command("resume", "Undo pause") { feed };
        CtlVerb.SetAction(command, options, async (ctl, cancellationToken) =>
            ctl.Print(await ctl.Admin.ResumeAsync(ctl.Parsed.GetValue(feed), cancellationToken), answer =>
                ctl.Line($"resumed: {Names(answer.Resumed)}; downloads {(answer.DownloadsPaused ? "paused" : "running")}")));
        return command;
    }

    private static string Names(IReadOnlyList<string>? feeds) => feeds is { Count: > 0 } ? string.Join(", ", feeds) : "no feed";

    private static Command Backfill(CtlOptions options)
    {
        var feed = new Argument<string>("feed") { Description = "The feed, e.g. gharchive" };
        var from = new Option<string?>("--from") { Description = "First hour, yyyy-MM-ddTHH in UTC" };
        var to = new Option<string?>("--to") { Description = "Last hour (inclusive), yyyy-MM-ddTHH in UTC" };
        var command = new Command("backfill", "Probe every hour of a range and enqueue the ones found; the bookmark does not move") { feed, from, to };
        CtlVerb.SetAction(command, options, async (ctl, cancellationToken) =>
        {
            var first = Hour(ctl.Parsed.GetValue(from), "--from");
            var last = Hour(ctl.Parsed.GetValue(to), "--to");
            if (last < first) throw new UsageException($"--to {ArchiveHour.Display(last)} is before --from {ArchiveHour.Display(first)}");
            var answer = await ctl.Admin.BackfillAsync(ctl.Parsed.GetValue(feed)!, ArchiveHour.Display(first), ArchiveHour.Display(last), cancellationToken);
            return ctl.Print(answer, accepted =>
                ctl.Line($"backfill of {accepted.Feed} from {ArchiveHour.Display(first)} to {ArchiveHour.Display(last)} accepted: " +
                         $"{accepted.Hours} hours to probe, the ones found are enqueued"));
        });
        return command;
    }

    private static DateTime Hour(string? text, string option) =>
        ArchiveHour.TryParse(text, out var hour, out var error) ? hour : throw new UsageException($"{option}: {error}");

    private static Command RetryDeadLetters(CtlOptions options)
    {
        var command = new Command("retry-dlq", "Send the dead-lettered files back to the queue");
        CtlVerb.SetAction(command, options, async (ctl, cancellationToken) =>
            ctl.Print(await ctl.Admin.RetryDeadLettersAsync(cancellationToken), answer =>
                ctl.Line($"{answer.Redriven} dead letters sent back to the queue")));
        return command;
    }
}
