using Akka.Actor;
using Akka.Event;
using AkkaIngestion.Queueing;
using AkkaIngestion.Scheduling;

namespace AkkaIngestion.Admin;

/// <summary>
/// What an operator wants to see of this node beyond the counters: throughput over the last minutes, the latest
/// warnings and errors, the latest dead letters. It also feeds the metrics: counters from the pipeline's events, gauges
/// from a periodic look at the bridge, the feeds and the cluster.
/// </summary>
public sealed class NodeActivity : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan BucketLength = TimeSpan.FromSeconds(5);
    private const int Buckets = 120;
    private const int RecentLimit = 50;
    private static readonly TimeSpan GaugeInterval = TimeSpan.FromSeconds(5);

    private readonly LinkedList<ThroughputSample> _throughput = new();
    private readonly LinkedList<LogEntry> _recent = new();
    private readonly LinkedList<DeadLetterEntry> _deadLetters = new();
    private readonly Func<NodeLook> _look;

    /// <param name="look">Starts a look at the bridge, the feeds and the cluster for the gauges.</param>
    public NodeActivity(Func<NodeLook> look)
    {
        _look = look;
        Receive<FileSettled>(OnSettled);
        Receive<FeedScheduler.GapRecorded>(gap => IngestionMetrics.GapsRecorded.Add(1, Feed(gap.FeedId)));
        Receive<Warning>(warning => Remember("warning", warning));
        Receive<Error>(error => Remember("error", error));
        Receive<RefreshGauges>(_ =>
        {
            try
            {
                _look().Task.PipeTo(Self);
            }
            catch (ObjectDisposedException)
            {
                // The host is going down (or failed to start) around this actor; there is nothing left to look at.
            }
        });
        Receive<NodeGauges>(gauges => IngestionMetrics.Gauges = gauges);
        Receive<Status.Failure>(_ => { });
        Receive<GetActivity>(_ => Sender.Tell(new ActivitySnapshot(
            _throughput.ToList(), _recent.ToList(), _deadLetters.ToList())));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Func<NodeLook> look) => Akka.Actor.Props.Create(() => new NodeActivity(look));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(FileSettled));
        Context.System.EventStream.Subscribe(Self, typeof(FeedScheduler.GapRecorded));
        Context.System.EventStream.Subscribe(Self, typeof(Warning));
        Context.System.EventStream.Subscribe(Self, typeof(Error));
        Timers.StartPeriodicTimer("gauges", RefreshGauges.Instance, TimeSpan.Zero, GaugeInterval);
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private static KeyValuePair<string, object?> Feed(string feedId) => new("feed", feedId);

    private void OnSettled(FileSettled settled)
    {
        var feed = Feed(settled.FeedId);
        switch (settled.Settlement)
        {
            case FileSettlement.Stored:
                IngestionMetrics.FilesStored.Add(1, feed);
                IngestionMetrics.BytesStored.Add(settled.Bytes, feed);
                AddToCurrentBucket(settled.Bytes);
                break;
            case FileSettlement.AlreadyStored:
                IngestionMetrics.FilesSkipped.Add(1, feed);
                break;
            case FileSettlement.DeadLettered:
                IngestionMetrics.DeadLetters.Add(1, feed);
                Keep(_deadLetters, new DeadLetterEntry(settled.FeedId, settled.FileName, DateTimeOffset.UtcNow));
                break;
        }
    }

    private void AddToCurrentBucket(long bytes)
    {
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Ticks - now.Ticks % BucketLength.Ticks, TimeSpan.Zero);
        if (_throughput.Last is { } last && last.Value.At == start)
        {
            last.Value = last.Value with { Bytes = last.Value.Bytes + bytes, Files = last.Value.Files + 1 };
            return;
        }
        _throughput.AddLast(new ThroughputSample(start, bytes, 1));
        while (_throughput.Count > Buckets) _throughput.RemoveFirst();
    }

    private void Remember(string level, LogEvent log) =>
        Keep(_recent, new LogEntry(new DateTimeOffset(log.Timestamp, TimeSpan.Zero), level, log.LogSource, log.Message?.ToString() ?? ""));

    private static void Keep<T>(LinkedList<T> list, T item)
    {
        list.AddLast(item);
        while (list.Count > RecentLimit) list.RemoveFirst();
    }

    public sealed record GetActivity
    {
        public static readonly GetActivity Instance = new();
    }

    private sealed record RefreshGauges
    {
        public static readonly RefreshGauges Instance = new();
    }
}

/// <summary>A look at the node for the gauges, started by the caller; its task ends in the values.</summary>
public sealed record NodeLook(Task<NodeGauges> Task);

/// <summary>Bytes and files stored in one 5-second bucket starting at <paramref name="At"/>.</summary>
public sealed record ThroughputSample(DateTimeOffset At, long Bytes, int Files);

public sealed record LogEntry(DateTimeOffset At, string Level, string Source, string Message);

public sealed record DeadLetterEntry(string FeedId, string FileName, DateTimeOffset At);

public sealed record ActivitySnapshot(IReadOnlyList<ThroughputSample> Throughput, IReadOnlyList<LogEntry> Recent, IReadOnlyList<DeadLetterEntry> DeadLetters);
