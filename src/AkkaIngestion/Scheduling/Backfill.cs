using Akka.Actor;
using Akka.Event;
using AkkaIngestion.Feeds;
using AkkaIngestion.Queueing;
using AkkaIngestion.Sources;

namespace AkkaIngestion.Scheduling;

/// <summary>
/// An operator's one-off re-ingestion of a range: probes every hour (bounded parallelism), enqueues the found ones in
/// batches, then stops. The bookmark is not touched; files already stored identical are skipped by the downloaders.
/// </summary>
public sealed class Backfill : ReceiveActor
{
    private const int BatchSize = 10;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();

    public Backfill(FeedDefinition feed, DateTime from, DateTime to, IArchiveSource source, IFileQueue queue, int parallelism)
    {
        ReceiveAsync<Run>(async _ =>
        {
            var found = new List<FileJob>();
            var unanswered = 0;
            await Parallel.ForEachAsync(ArchiveHour.Range(from, to),
                new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = _stopping.Token },
                async (hour, token) =>
                {
                    var name = feed.Naming.NameOf(hour);
                    try
                    {
                        if ((await source.ProbeAsync(feed, name, token)).Outcome == ProbeOutcome.Found)
                            lock (found) found.Add(new FileJob(feed.Id, name));
                    }
                    catch (SourceException e)
                    {
                        Interlocked.Increment(ref unanswered);
                        _log.Warning("backfill {0}: {1}", feed.Id, e.Message);
                    }
                });
            foreach (var batch in found.OrderBy(j => j.FileName, StringComparer.Ordinal).Chunk(BatchSize))
                await queue.SendBatchAsync(batch, _stopping.Token);
            _log.Info("backfill {0} {1}..{2}: {3} file(s) enqueued, {4} hour(s) did not answer",
                feed.Id, ArchiveHour.Display(from), ArchiveHour.Display(to), found.Count, unanswered);
            Context.Stop(Self);
        });
    }

    public static Props Props(FeedDefinition feed, DateTime from, DateTime to, IArchiveSource source, IFileQueue queue, int parallelism) =>
        Akka.Actor.Props.Create(() => new Backfill(feed, from, to, source, queue, parallelism));

    protected override void PreStart() => Self.Tell(Run.Instance);

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private sealed record Run
    {
        public static readonly Run Instance = new();
    }
}
