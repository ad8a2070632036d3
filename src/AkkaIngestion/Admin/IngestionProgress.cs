using System.Diagnostics;
using Akka.Actor;
using AkkaIngestion.Queueing;
using AkkaIngestion.Scheduling;

namespace AkkaIngestion.Admin;

/// <summary>
/// Counts what this node's pipeline has done since it started, from the events the scheduler and the bridge publish;
/// the run summary and the progress display read it, and it tells a bounded run when every feed is done.
/// </summary>
public sealed class IngestionProgress : ReceiveActor
{
    private readonly HashSet<string> _feedsToComplete;
    private readonly bool _bounded;
    private readonly int _feedCount;
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private readonly ProgressBoard _board;
    private readonly List<IActorRef> _completionWatchers = [];
    private long _stored;
    private long _bytes;
    private long _alreadyStored;
    private long _deadLettered;
    private long _gapsRecorded;
    private int _openGaps;
    private TimeSpan? _rangeEnqueuedAfter;
    private int _feedsEnqueued;

    /// <param name="boundedFeeds">Feeds whose <see cref="FeedScheduler.FeedRangeCompleted"/> ends the run; empty when following the live edge.</param>
    public IngestionProgress(IEnumerable<string> boundedFeeds, ProgressBoard board)
    {
        _board = board;
        _feedsToComplete = [.. boundedFeeds];
        _bounded = _feedsToComplete.Count > 0;
        _feedCount = _feedsToComplete.Count;
        Receive<FileSettled>(settled =>
        {
            switch (settled.Settlement)
            {
                case FileSettlement.Stored:
                    _stored++;
                    _bytes += settled.Bytes;
                    break;
                case FileSettlement.AlreadyStored:
                    _alreadyStored++;
                    break;
                case FileSettlement.DeadLettered:
                    _deadLettered++;
                    break;
            }
            _board.Publish(Snapshot());
        });
        Receive<FeedScheduler.GapRecorded>(_ =>
        {
            _gapsRecorded++;
            _board.Publish(Snapshot());
        });
        Receive<FeedScheduler.FeedRangeEnqueued>(_ =>
        {
            if (++_feedsEnqueued == _feedCount) _rangeEnqueuedAfter = _elapsed.Elapsed;
            _board.Publish(Snapshot());
        });
        Receive<FeedScheduler.FeedRangeCompleted>(completed =>
        {
            _openGaps += completed.OpenGaps;
            _board.Publish(Snapshot());
            if (_feedsToComplete.Remove(completed.FeedId) && _feedsToComplete.Count == 0)
                foreach (var watcher in _completionWatchers) watcher.Tell(Snapshot());
        });
        Receive<GetProgress>(_ => Sender.Tell(Snapshot()));
        Receive<WhenRangeCompleted>(_ =>
        {
            if (_bounded && _feedsToComplete.Count == 0) Sender.Tell(Snapshot());
            else _completionWatchers.Add(Sender);
        });
    }

    public static Props Props(IEnumerable<string> boundedFeeds, ProgressBoard board) =>
        Akka.Actor.Props.Create(() => new IngestionProgress(boundedFeeds, board));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(FileSettled));
        Context.System.EventStream.Subscribe(Self, typeof(FeedScheduler.GapRecorded));
        Context.System.EventStream.Subscribe(Self, typeof(FeedScheduler.FeedRangeCompleted));
        Context.System.EventStream.Subscribe(Self, typeof(FeedScheduler.FeedRangeEnqueued));
    }

    private ProgressSnapshot Snapshot() => new(_stored, _bytes, _alreadyStored, _deadLettered, _gapsRecorded, _openGaps,
        _elapsed.Elapsed, _rangeEnqueuedAfter, _bounded && _feedsToComplete.Count == 0);

    protected override void PostStop()
    {
        _board.Publish(Snapshot());
        Context.System.EventStream.Unsubscribe(Self);
    }

    public sealed record GetProgress
    {
        public static readonly GetProgress Instance = new();
    }

    /// <summary>Answered with a <see cref="ProgressSnapshot"/> once every bounded feed has completed its range.</summary>
    public sealed record WhenRangeCompleted
    {
        public static readonly WhenRangeCompleted Instance = new();
    }
}

public sealed record ProgressSnapshot(
    long FilesStored,
    long BytesStored,
    long AlreadyStored,
    long DeadLettered,
    long GapsRecorded,
    int OpenGaps,
    TimeSpan Elapsed,
    TimeSpan? RangeEnqueuedAfter,
    bool RangeCompleted)
{
    public static readonly ProgressSnapshot Nothing = new(0, 0, 0, 0, 0, 0, TimeSpan.Zero, null, false);

    public double MebibytesPerSecond => Elapsed.TotalSeconds > 0 ? BytesStored / 1048576.0 / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// The latest <see cref="ProgressSnapshot"/> of this node, for readers outside the actor system (progress display,
/// summary after the system stopped) that must not wait on an actor.
/// </summary>
public sealed class ProgressBoard
{
    private ProgressSnapshot _current = ProgressSnapshot.Nothing;

    public ProgressSnapshot Current => Volatile.Read(ref _current);

    internal void Publish(ProgressSnapshot snapshot) => Volatile.Write(ref _current, snapshot);
}
