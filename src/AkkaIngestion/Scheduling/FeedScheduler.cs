using Akka.Actor;
using Akka.Event;
using AkkaIngestion.Feeds;
using AkkaIngestion.Hosting;
using AkkaIngestion.Queueing;
using AkkaIngestion.Sources;
using AkkaIngestion.Storage;
using Polly;
using Polly.Retry;

namespace AkkaIngestion.Scheduling;

/// <summary>How one scheduler runs; <see cref="FirstHour"/>/<see cref="LastHour"/> bound a run, null follows the bookmark and the live edge.</summary>
public sealed record FeedSchedulerSettings(
    int ProbeParallelism,
    TimeSpan GapInitialBackoff,
    TimeSpan GapMaxBackoff,
    DateTime? FirstHour,
    DateTime? LastHour)
{
    public static FeedSchedulerSettings From(IngestionOptions options, DateTime? from, DateTime? to) => new(
        Math.Max(1, options.ProbeParallelism), options.GapInitialBackoff, options.GapMaxBackoff, from, to);
}

/// <summary>
/// One per feed. Owns the feed's bookmark: probes the hours after it (HEAD, bounded parallelism), sends a message per
/// found hour to the queue in batches, records 404s followed by a later hour as gaps (re-probed with backoff, never
/// blocking later hours) and moves the bookmark only past hours that are safe: enqueued on a durable queue, stored
/// when the queue lives in this process.
/// </summary>
public sealed class FeedScheduler : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private const int BatchSize = 10;
    private const int MaxSendsInFlight = 4;
    private static readonly TimeSpan ProbePauseAfterFailure = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan BookmarkReloadDelay = TimeSpan.FromSeconds(30);

    private readonly FeedDefinition _feed;
    private readonly IArchiveSource _source;
    private readonly IFileQueue _queue;
    private readonly FeedBookmarks _bookmarks;
    private readonly FeedSchedulerSettings _settings;
    private readonly TimeProvider _clock;
    private readonly ResiliencePipeline _probeRetry;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly GapBook _gaps;
    private readonly List<DateTime> _gapHoursToSend = [];
    private readonly List<IActorRef> _flushWaiters = [];

    private HourLedger _ledger = null!;
    private LoadedBookmark _stored = null!;
    private DateTime _ledgerStart;
    private int _gapProbes;
    private int _sendsInFlight;
    private bool _saving;
    private bool _dirty;
    private bool _completed;
    private bool _handingOff;
    private bool _paused;
    private DateTimeOffset _probesPausedUntil = DateTimeOffset.MinValue;
    private long _found;
    private long _enqueued;
    private long _gapsRecorded;
    private long _gapsFilled;
    private DateTimeOffset? _rangeEnqueuedAt;
    private string? _lastError;

    public FeedScheduler(FeedDefinition feed, IArchiveSource source, IObjectStore store, IFileQueue queue,
        FeedSchedulerSettings settings, TimeProvider clock)
    {
        _feed = feed;
        _source = source;
        _queue = queue;
        _bookmarks = new FeedBookmarks(store, feed);
        _settings = settings;
        _clock = clock;
        _gaps = new GapBook(settings.GapInitialBackoff, settings.GapMaxBackoff);
        _probeRetry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 2,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<SourceException>(e => e.IsTransient).Handle<HttpRequestException>(),
            })
            .Build();
        Loading();
    }

    public static Props Props(FeedDefinition feed, IArchiveSource source, IObjectStore store, IFileQueue queue,
        FeedSchedulerSettings settings, TimeProvider? clock = null) =>
        Akka.Actor.Props.Create(() => new FeedScheduler(feed, source, store, queue, settings, clock ?? TimeProvider.System));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(FileSettled));
        LoadBookmark();
    }

    private void LoadBookmark() =>
        _bookmarks.LoadAsync(_stopping.Token).PipeTo(Self,
            success: loaded => new BookmarkLoaded(loaded),
            failure: e => new BookmarkLoadFailed(e));

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private void Loading()
    {
        Receive<BookmarkLoaded>(loaded =>
        {
            Start(loaded.Bookmark);
            Become(Running);
            Stash.UnstashAll();
            // After the stashed messages: a pause sent while the bookmark was loading is obeyed before any probe.
            Self.Tell(Resume.Instance);
        });
        // Nothing is probed or written until the bookmark is understood; an operator may be fixing it meanwhile.
        Receive<BookmarkLoadFailed>(failed =>
        {
            _lastError = failed.Cause.GetBaseException().Message;
            _log.Error("{0}: {1}; trying again in {2}", _feed.Id, _lastError, BookmarkReloadDelay);
            Timers.StartSingleTimer("reload", ReloadBookmark.Instance, BookmarkReloadDelay);
        });
        Receive<ReloadBookmark>(_ => LoadBookmark());
        // Nothing was written yet, so there is nothing to save: the next owner reads the same bookmark.
        Receive<HandOff>(_ => Context.Stop(Self));
        ReceiveAny(_ => Stash.Stash());
    }

    public IStash Stash { get; set; } = null!;

    private void Start(LoadedBookmark loaded)
    {
        _stored = loaded;
        _gaps.Load(loaded.Document.Gaps);
        var settled = loaded.Document.SettledThrough;
        _ledgerStart = _settings.FirstHour is { } from
            ? from.AddHours(-1)
            : settled ?? _feed.StartHour.AddHours(-1);
        if (settled is { } bookmark && _ledgerStart > bookmark)
            _log.Warning("{0}: starting at {1}, after the bookmark {2}: the hours between are not ingested by this run",
                _feed.Id, ArchiveHour.Display(_ledgerStart.AddHours(1)), _feed.Naming.NameOf(bookmark));
        _ledger = new HourLedger(_ledgerStart, _settings.LastHour);
        var range = _settings.LastHour is { } to ? " to " + ArchiveHour.Display(to) : " and following the live edge";
        var mode = _queue.IsDurable ? "durable" : "in-process: the bookmark follows stored files";
        var bookmarkName = settled is { } s ? _feed.Naming.NameOf(s) : "(none)";
        _log.Info("{0}", $"{_feed.Id}: bookmark {bookmarkName}, {_gaps.Count} gap(s); probing {_feed.BaseUrl} from " +
            $"{ArchiveHour.Display(_ledgerStart.AddHours(1))}{range} (queue {_queue.Location}, {mode})");
    }

    private void Running()
    {
        Receive<ProbeAnswered>(OnProbeAnswered);
        Receive<BatchSent>(sent =>
        {
            _sendsInFlight--;
            _enqueued += sent.Hours.Count;
            _ledger.MarkEnqueued(sent.Hours);
            foreach (var hour in sent.Hours.Where(_gaps.Contains))
            {
                if (_queue.IsDurable && _gaps.Remove(hour)) _gapsFilled++;
                else _gaps.MarkBusy(hour);
            }
            _dirty = true;
            Pump();
        });
        Receive<BatchFailed>(failed =>
        {
            _sendsInFlight--;
            _lastError = $"send to {_queue.Location} failed: {failed.Cause.GetBaseException().Message}";
            _log.Warning("{0}: {1}; the {2} file(s) will be sent again", _feed.Id, _lastError, failed.Hours.Count);
            _ledger.MarkSendFailed(failed.Hours);
            _gapHoursToSend.AddRange(failed.Hours.Where(_gaps.Contains));
            _probesPausedUntil = _clock.GetUtcNow() + ProbePauseAfterFailure;
            Timers.StartSingleTimer("resume", Resume.Instance, ProbePauseAfterFailure);
        });
        Receive<FileSettled>(settled =>
        {
            if (settled.FeedId != _feed.Id || !_feed.Naming.TryParse(settled.FileName, out var hour)) return;
            var tracked = _ledger.MarkSettled(hour);
            if (!_queue.IsDurable && _gaps.IsBusy(hour) && _gaps.Remove(hour))
            {
                _gapsFilled++;
                tracked = true;
            }
            if (!tracked) return;
            _dirty = true;
            Pump();
        });
        Receive<BookmarkSaved>(saved =>
        {
            _saving = false;
            _stored = saved.Bookmark;
            Pump();
        });
        Receive<BookmarkSaveFailed>(failed =>
        {
            _saving = false;
            _dirty = true;
            _lastError = $"bookmark write failed: {failed.Cause.GetBaseException().Message}";
            _log.Warning("{0}: {1}; retrying", _feed.Id, _lastError);
            Timers.StartSingleTimer("resume", Resume.Instance, ProbePauseAfterFailure);
        });
        Receive<PollEdge>(_ =>
        {
            _ledger.ReprobeEdge();
            Pump();
        });
        Receive<Resume>(_ => Pump());
        Receive<GetFeedStatus>(_ => Sender.Tell(Status()));
        Receive<FlushBookmark>(_ =>
        {
            _flushWaiters.Add(Sender);
            Pump();
        });
        Receive<Wake>(_ => { });
        Receive<PauseFeed>(_ =>
        {
            _paused = true;
            _log.Info("{0}: paused: no new hour is probed or enqueued", _feed.Id);
            Sender.Tell(new FeedPaused(_feed.Id, true));
        });
        Receive<ResumeFeed>(_ =>
        {
            _paused = false;
            _log.Info("{0}: resumed", _feed.Id);
            Sender.Tell(new FeedPaused(_feed.Id, false));
            Pump();
        });
        Receive<HandOff>(_ =>
        {
            _handingOff = true;
            Pump();
        });
    }

    private void OnProbeAnswered(ProbeAnswered answer)
    {
        var now = _clock.GetUtcNow();
        if (answer.IsGapProbe) _gapProbes--;
        if (answer.Error is { } error)
        {
            _lastError = $"probe of {_feed.Naming.NameOf(answer.Hour)} failed: {error.GetBaseException().Message}";
            _log.Warning("{0}: {1}; probing again shortly", _feed.Id, _lastError);
            if (answer.IsGapProbe) _gaps.Release(answer.Hour);
            else _ledger.RecordProbeFailed(answer.Hour);
            _probesPausedUntil = now + ProbePauseAfterFailure;
            Timers.StartSingleTimer("resume", Resume.Instance, ProbePauseAfterFailure);
            return;
        }

        var found = answer.Result!.Outcome == ProbeOutcome.Found;
        if (answer.IsGapProbe)
        {
            if (found)
            {
                _found++;
                _log.Info("{0}: gap {1} has appeared; ingesting it", _feed.Id, _feed.Naming.NameOf(answer.Hour));
                _gapHoursToSend.Add(answer.Hour);
            }
            else
            {
                _gaps.RecordMissing(answer.Hour, now);
                _dirty = true;
            }
        }
        else
        {
            if (found) _found++;
            if (found && _gaps.Contains(answer.Hour)) _gaps.MarkBusy(answer.Hour);
            foreach (var gap in _ledger.RecordProbe(answer.Hour, found))
            {
                _gaps.RecordMissing(gap, now);
                _gapsRecorded++;
                _dirty = true;
                var name = _feed.Naming.NameOf(gap);
                _log.Warning("{0}: {1} is missing while later hours exist: recorded as a gap, re-probed with backoff", _feed.Id, name);
                Context.System.EventStream.Publish(new GapRecorded(_feed.Id, name));
            }
        }
        Pump();
    }

    /// <summary>Starts whatever work is possible now: probes, sends, a bookmark write; then notices completion or idleness.</summary>
    private void Pump()
    {
        if (_completed || _handingOff)
        {
            SaveBookmarkIfNeeded();
            return;
        }
        var now = _clock.GetUtcNow();
        var latestPublishable = ArchiveHour.Truncate(now.UtcDateTime).AddHours(-1);

        if (now >= _probesPausedUntil && !_paused)
        {
            var free = _settings.ProbeParallelism - _ledger.Probing - _gapProbes;
            foreach (var hour in _gaps.TakeDue(now, _ledger.EnqueuedThrough, free))
                Probe(hour, isGapProbe: true);
            free = _settings.ProbeParallelism - _ledger.Probing - _gapProbes;
            if (free > 0)
                foreach (var hour in _ledger.TakeHoursToProbe(free, latestPublishable))
                    Probe(hour, isGapProbe: false);
        }

        while (_sendsInFlight < MaxSendsInFlight && now >= _probesPausedUntil && !_paused)
        {
            var batch = _gapHoursToSend.Take(BatchSize).ToList();
            _gapHoursToSend.RemoveRange(0, batch.Count);
            batch.AddRange(_ledger.TakeSendable(BatchSize - batch.Count));
            if (batch.Count == 0) break;
            Send(batch);
        }

        if (_settings.LastHour is { } last && _ledger.RangeEnqueued && _rangeEnqueuedAt is null)
        {
            _rangeEnqueuedAt = now;
            Context.System.EventStream.Publish(new FeedRangeEnqueued(_feed.Id, last));
            _log.Info("{0}: every hour through {1} is enqueued or a gap ({2} found, {3} gap(s))",
                _feed.Id, ArchiveHour.Display(last), _found, _gapsRecorded);
        }

        SaveBookmarkIfNeeded();

        var idle = _ledger.Probing == 0 && _gapProbes == 0 && _sendsInFlight == 0;
        if (_settings.LastHour is { } lastHour && _ledger.RangeSettled && _gapHoursToSend.Count == 0 && idle && !_saving && !_dirty)
        {
            _completed = true;
            Timers.CancelAll();
            _log.Info("{0}: range through {1} settled", _feed.Id, ArchiveHour.Display(lastHour));
            Context.System.EventStream.Publish(new FeedRangeCompleted(_feed.Id, lastHour, _gaps.Count));
            return;
        }
        // Idle before the range is done means the live edge: new hours get published as the clock moves on.
        if (idle && !Timers.IsTimerActive("edge"))
            Timers.StartSingleTimer("edge", PollEdge.Instance, _feed.PollInterval);
        if (_gaps.NextDue() is { } due && !Timers.IsTimerActive("gaps"))
        {
            var wait = due - now;
            Timers.StartSingleTimer("gaps", Resume.Instance, wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1));
        }
    }

    private void Probe(DateTime hour, bool isGapProbe)
    {
        if (isGapProbe) _gapProbes++;
        var name = _feed.Naming.NameOf(hour);
        var token = _stopping.Token;
        _probeRetry.ExecuteAsync(ct => new ValueTask<ProbeResult>(_source.ProbeAsync(_feed, name, ct)), token).AsTask()
            .PipeTo(Self,
                success: result => new ProbeAnswered(hour, isGapProbe, result, null),
                failure: e => new ProbeAnswered(hour, isGapProbe, null, e));
    }

    private void Send(IReadOnlyList<DateTime> hours)
    {
        _sendsInFlight++;
        var jobs = hours.Select(h => new FileJob(_feed.Id, _feed.Naming.NameOf(h))).ToList();
        _queue.SendBatchAsync(jobs, _stopping.Token)
            .PipeTo(Self, success: () => new BatchSent(hours), failure: e => new BatchFailed(hours, e));
    }

    private void SaveBookmarkIfNeeded()
    {
        if (!_saving && !_dirty && _flushWaiters.Count > 0)
        {
            foreach (var waiter in _flushWaiters) waiter.Tell(new BookmarkFlushed(_feed.Id, _stored.Document.SettledThrough));
            _flushWaiters.Clear();
        }
        if (!_saving && !_dirty && _handingOff)
        {
            _log.Info("{0}: bookmark written; handing the feed over to another node", _feed.Id);
            Context.Stop(Self);
            return;
        }
        if (_saving || !_dirty) return;
        var desired = Desired();
        if (desired.SettledThrough == _stored.Document.SettledThrough && desired.Gaps.SequenceEqual(_stored.Document.Gaps))
        {
            _dirty = false;
            return;
        }
        _saving = true;
        _dirty = false;
        _bookmarks.SaveAsync(_stored, desired, _stopping.Token).PipeTo(Self,
            success: result =>
            {
                if (result.LostRaces > 0)
                    _log.Info("{0}: bookmark was moved by another writer; re-read and merged", _feed.Id);
                return new BookmarkSaved(result.Stored);
            },
            failure: e => new BookmarkSaveFailed(e));
    }

    private BookmarkDocument Desired()
    {
        var frontier = _queue.IsDurable ? _ledger.EnqueuedThrough : _ledger.SettledThrough;
        var previous = _stored.Document.SettledThrough;
        DateTime? settled = previous is { } p && p >= frontier ? p : frontier;
        if (frontier == _ledgerStart && previous is null && _settings.FirstHour is null) settled = null;
        return new BookmarkDocument(_feed.Id, settled, _gaps.Entries, _clock.GetUtcNow());
    }

    private FeedStatus Status() => new(
        _feed.Id,
        _stored.Document.SettledThrough is { } s ? _feed.Naming.NameOf(s) : null,
        ArchiveHour.Display(_ledger.EnqueuedThrough),
        ArchiveHour.Display(_ledger.SettledThrough),
        _ledger.Probing + _gapProbes,
        _ledger.Outstanding,
        _found,
        _enqueued,
        _gaps.Entries.Select(g => _feed.Naming.NameOf(g.Hour)).ToList(),
        _gapsRecorded,
        _gapsFilled,
        _ledger.WaitingAtEdge.Select(_feed.Naming.NameOf).ToList(),
        _completed,
        _rangeEnqueuedAt,
        _paused,
        _lastError);

    /// <summary>Ask a scheduler how its feed stands.</summary>
    public sealed record GetFeedStatus
    {
        public static readonly GetFeedStatus Instance = new();
    }

    public sealed record FeedStatus(
        string FeedId,
        string? Bookmark,
        string EnqueuedThrough,
        string SettledThrough,
        int ProbesInFlight,
        int Outstanding,
        long Found,
        long Enqueued,
        IReadOnlyList<string> Gaps,
        long GapsRecorded,
        long GapsFilled,
        IReadOnlyList<string> WaitingAtEdge,
        bool RangeCompleted,
        DateTimeOffset? RangeEnqueuedAt,
        bool Paused,
        string? LastError);

    /// <summary>Asked on shutdown: answered with <see cref="BookmarkFlushed"/> once every settled hour is in the stored bookmark.</summary>
    public sealed record FlushBookmark
    {
        public static readonly FlushBookmark Instance = new();
    }

    public sealed record BookmarkFlushed(string FeedId, DateTime? SettledThrough);

    /// <summary>Stop probing and enqueueing (the bookmark is still written); answered with <see cref="FeedPaused"/>.</summary>
    public sealed record PauseFeed
    {
        public static readonly PauseFeed Instance = new();
    }

    public sealed record ResumeFeed
    {
        public static readonly ResumeFeed Instance = new();
    }

    public sealed record FeedPaused(string FeedId, bool Paused);

    /// <summary>Starts the scheduler if it is not running (sharding starts entities on their first message); else nothing.</summary>
    public sealed record Wake
    {
        public static readonly Wake Instance = new();
    }

    /// <summary>The shard moves to another node: write the bookmark, then stop, so the next owner resumes exactly there.</summary>
    public sealed record HandOff
    {
        public static readonly HandOff Instance = new();
    }

    /// <summary>Published when an hour is recorded as a gap.</summary>
    public sealed record GapRecorded(string FeedId, string FileName);

    /// <summary>Published once every hour of a bounded run is enqueued or a gap (downloads may still be running).</summary>
    public sealed record FeedRangeEnqueued(string FeedId, DateTime LastHour);

    /// <summary>Published once a bounded run's every hour is stored, dead-lettered or a gap, and the bookmark says so.</summary>
    public sealed record FeedRangeCompleted(string FeedId, DateTime LastHour, int OpenGaps);

    private sealed record BookmarkLoaded(LoadedBookmark Bookmark);

    private sealed record BookmarkLoadFailed(Exception Cause);

    private sealed record ProbeAnswered(DateTime Hour, bool IsGapProbe, ProbeResult? Result, Exception? Error);

    private sealed record BatchSent(IReadOnlyList<DateTime> Hours);

    private sealed record BatchFailed(IReadOnlyList<DateTime> Hours, Exception Cause);

    private sealed record BookmarkSaved(LoadedBookmark Bookmark);

    private sealed record BookmarkSaveFailed(Exception Cause);

    private sealed record ReloadBookmark
    {
        public static readonly ReloadBookmark Instance = new();
    }

    private sealed record PollEdge
    {
        public static readonly PollEdge Instance = new();
    }

    private sealed record Resume
    {
        public static readonly Resume Instance = new();
    }
}
