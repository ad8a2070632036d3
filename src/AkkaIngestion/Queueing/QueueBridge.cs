using Akka.Actor;
using Akka.Event;
using AkkaIngestion.Downloading;
using AkkaIngestion.Feeds;
using AkkaIngestion.Hosting;
using AkkaIngestion.Storage;

namespace AkkaIngestion.Queueing;

/// <summary>
/// One per node: pulls file messages from the queue only as fast as the downloaders free up, validates them, hands
/// each worker one file, and settles every message by what happened to its file (ack, dead-letter or release).
/// While a file is held its message's visibility is extended, so a long download is not handed to another node.
/// At most workers + prefetch messages wait for or are with a worker; messages being settled come on top, at most as
/// many again, so an acknowledgement that waits for its batch does not hold up the next file.
/// </summary>
public sealed class QueueBridge : ReceiveActor, IWithTimers
{
    private const string HeartbeatTimer = "heartbeat";
    private const string ReceiveRetryTimer = "receive-retry";
    private const string GraceTimer = "grace";
    private static readonly TimeSpan FirstReceiveRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxReceiveRetryDelay = TimeSpan.FromSeconds(30);

    private readonly IFileQueue _queue;
    private readonly IReadOnlyDictionary<string, FeedDefinition> _feeds;
    private readonly IActorRef _downloadRouter;
    private readonly IObjectStore _store;
    private readonly QueueBridgeSettings _settings;
    private readonly DownloadCancellation _downloadCancellation;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>Cancels queue and store calls still running when the actor stops.</summary>
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Received and not yet settled, by message id: the bridge's whole capacity budget.</summary>
    private readonly Dictionary<string, HeldMessage> _held = new();

    /// <summary>The prefetch: validated messages waiting for a free worker, oldest first.</summary>
    private readonly Queue<HeldMessage> _waitingForWorker = new();

    private CancellationTokenSource? _pendingReceive;
    private TimeSpan _receiveRetryDelay = FirstReceiveRetryDelay;
    private int _dispatched;
    private long _stored;
    private long _alreadyStored;
    private long _deadLettered;
    private DrainState? _drain;
    private int _workers;
    private bool _paused;

    public QueueBridge(
        IFileQueue queue,
        IEnumerable<FeedDefinition> feeds,
        IActorRef downloadRouter,
        IObjectStore store,
        QueueBridgeSettings settings,
        DownloadCancellation downloadCancellation)
    {
        settings.Validate();
        _queue = queue;
        _feeds = feeds.ToDictionary(feed => feed.Id, StringComparer.Ordinal);
        if (_feeds.Count == 0) throw new ArgumentException("the bridge needs at least one feed", nameof(feeds));
        _downloadRouter = downloadRouter;
        _store = store;
        _settings = settings;
        _downloadCancellation = downloadCancellation;
        _workers = settings.Workers;

        Receive<Received>(OnReceived);
        Receive<ReceiveFailed>(OnReceiveFailed);
        Receive<RetryReceive>(_ => ReceiveMore());
        Receive<DownloadFinished>(OnDownloadFinished);
        Receive<DownloadCrashed>(OnDownloadCrashed);
        Receive<Settled>(OnSettled);
        Receive<SettleFailed>(OnSettleFailed);
        Receive<DeadLetterRecordFailed>(failed =>
            _log.Warning("Could not write the dead-letter record {0} in {1}: {2}", failed.Key, _store.Location, failed.Error.Message));
        Receive<Heartbeat>(_ => ExtendVisibility());
        Receive<VisibilityExtensionFailed>(failed => _log.Warning(
            "Could not extend the visibility of message {0} ({1}): {2}; another node may receive it too, which is harmless",
            failed.Message.MessageId, failed.Message.Body, failed.Error.Message));
        Receive<DrainAndStop>(OnDrainAndStop);
        Receive<GraceExpired>(OnGraceExpired);
        Receive<GetBridgeStatus>(_ => Sender.Tell(new BridgeStatus(
            _held.Count, _dispatched, Capacity, _stored, _alreadyStored, _deadLettered, _workers, _paused,
            _held.Count == 0 ? TimeSpan.Zero : DateTimeOffset.UtcNow - _held.Values.Min(h => h.ReceivedAt))));
        Receive<SetWorkers>(OnSetWorkers);
        Receive<PauseDownloads>(_ =>
        {
            _paused = true;
            // Prefetched messages would only sit here while paused; another node can take them now.
            while (_waitingForWorker.TryDequeue(out var waiting)) Release(waiting);
            _log.Info("Downloads paused on this node: no new file starts; {0} running file(s) finish", _dispatched);
            Sender.Tell(new DownloadsPaused(true));
        });
        Receive<ResumeDownloads>(_ =>
        {
            _paused = false;
            _log.Info("Downloads resumed on this node");
            Sender.Tell(new DownloadsPaused(false));
            AfterWorkerFreed();
        });
    }

    private int Capacity => _workers + _settings.Prefetch;

    /// <summary>Half the capacity, at most one full receive: the prefetch keeps workers busy while it is collected.</summary>
    private int ReceiveFloor => Math.Clamp((Capacity + 1) / 2, 1, InProcessQueue.MaxMessagesPerReceive);

    /// <summary>
    /// Room for new messages. Messages being settled (deleted, released, dead-lettered) need no worker and are not
    /// counted against the capacity, so a batched acknowledgement does not hold up the next receive; they may take up
    /// at most another capacity's worth before receiving stops.
    /// </summary>
    private int FreeCapacity()
    {
        var settling = _held.Values.Count(held => held.State == HeldState.Settling);
        return Capacity - (_held.Count - settling) - Math.Max(0, settling - Capacity);
    }

    private void OnSetWorkers(SetWorkers request)
    {
        if (request.Workers < 1)
        {
            Sender.Tell(new Status.Failure(new ArgumentException($"workers must be at least 1, not {request.Workers}")));
            return;
        }
        var change = request.Workers - _workers;
        if (change != 0) _downloadRouter.Tell(new Akka.Routing.AdjustPoolSize(change));
        _log.Info("Workers on this node: {0} -> {1}", _workers, request.Workers);
        _workers = request.Workers;
        Sender.Tell(new WorkersSet(_workers));
        AfterWorkerFreed();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(
        IFileQueue queue,
        IEnumerable<FeedDefinition> feeds,
        IActorRef downloadRouter,
        IObjectStore store,
        QueueBridgeSettings settings,
        DownloadCancellation downloadCancellation) =>
        Akka.Actor.Props.Create(() => new QueueBridge(queue, feeds, downloadRouter, store, settings, downloadCancellation));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(HeartbeatTimer, Heartbeat.Instance, _settings.HeartbeatInterval);
        ReceiveMore();
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _pendingReceive?.Dispose();
    }

    private void ReceiveMore()
    {
        if (_pendingReceive is not null || _drain is not null || _paused || Timers.IsTimerActive(ReceiveRetryTimer)) return;
        var free = FreeCapacity();
        // One receive per freed worker would cost a round trip per file: wait until a worthwhile batch fits.
        if (free < ReceiveFloor) return;
        var maxMessages = Math.Min(free, InProcessQueue.MaxMessagesPerReceive);
        _pendingReceive = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var token = _pendingReceive.Token;
        ReceiveAsync(maxMessages, token).PipeTo(Self,
            success: messages => new Received(messages),
            failure: error => new ReceiveFailed(error));
    }

    // Async so an implementation that throws before returning a task still reaches the actor as a ReceiveFailed.
    private async Task<IReadOnlyList<QueuedFile>> ReceiveAsync(int maxMessages, CancellationToken token) =>
        await _queue.ReceiveAsync(maxMessages, _settings.ReceiveWait, token).ConfigureAwait(false);

    private void OnReceived(Received received)
    {
        EndReceive();
        _receiveRetryDelay = FirstReceiveRetryDelay;
        foreach (var message in received.Messages) Accept(message);
        Dispatch();
        ReceiveMore();
        CompleteDrainIfIdle();
    }

    private void Accept(QueuedFile message)
    {
        if (_held.TryGetValue(message.MessageId, out var alreadyHeld))
        {
            // Redelivered while held (an extension failed or came late): only the newest receipt handle counts now.
            alreadyHeld.Message = message;
            return;
        }
        var held = new HeldMessage(message);
        _held.Add(message.MessageId, held);
        if (_drain is not null)
        {
            Release(held);
            return;
        }
        if (!TryValidate(message, out var feed, out var fileName, out var hour, out var problem))
        {
            _log.Warning("Dead-lettering message {0}: {1}", message.MessageId, problem);
            DeadLetter(held, feed, null, problem);
            return;
        }
        held.File = new DownloadFile(message, feed!, fileName, hour);
        if (message.ReceiveCount > _settings.MaxReceiveCount)
        {
            var reason = $"delivered {message.ReceiveCount} times without finishing (limit {_settings.MaxReceiveCount})";
            _log.Warning("Dead-lettering {0} of feed {1}: {2}", fileName, feed!.Id, reason);
            DeadLetter(held, feed, fileName, reason);
            return;
        }
        _waitingForWorker.Enqueue(held);
    }

    private bool TryValidate(QueuedFile message, out FeedDefinition? feed, out string fileName, out DateTime hour, out string problem)
    {
        fileName = "";
        hour = default;
        problem = "";
        if (message.FeedId is null)
        {
            feed = _feeds.Count == 1 ? _feeds.Values.First() : null;
            if (feed is null) problem = $"the message has no feed attribute and this node has {_feeds.Count} feeds";
        }
        else if (!_feeds.TryGetValue(message.FeedId, out feed))
        {
            problem = $"unknown feed '{Shorten(message.FeedId)}' (known: {string.Join(", ", _feeds.Keys)})";
        }
        if (feed is null) return false;
        if (!feed.Naming.TryParse(message.Body, out hour))
        {
            problem = $"body '{Shorten(message.Body)}' is not a file name of feed {feed.Id} (pattern {feed.Naming.Pattern})";
            return false;
        }
        fileName = message.Body;
        return true;
    }

    private void OnReceiveFailed(ReceiveFailed failed)
    {
        EndReceive();
        if (_drain is not null)
        {
            CompleteDrainIfIdle();
            return;
        }
        _log.Warning("Receiving from queue {0} failed, retrying in {1}: {2}", _queue.Location, _receiveRetryDelay, failed.Error.Message);
        Timers.StartSingleTimer(ReceiveRetryTimer, RetryReceive.Instance, _receiveRetryDelay);
        _receiveRetryDelay = TimeSpan.FromTicks(Math.Min(_receiveRetryDelay.Ticks * 2, MaxReceiveRetryDelay.Ticks));
    }

    private void EndReceive()
    {
        _pendingReceive?.Dispose();
        _pendingReceive = null;
    }

    private void Dispatch()
    {
        while (!_paused && _dispatched < _workers && _waitingForWorker.TryDequeue(out var held))
        {
            held.State = HeldState.Dispatched;
            _dispatched++;
            _downloadRouter.Tell(held.File! with { Message = held.Message });
        }
    }

    private void OnDownloadFinished(DownloadFinished finished)
    {
        if (!TryTakeBack(finished.Message, out var held)) return;
        var file = held.File!;
        switch (finished.Outcome)
        {
            case DownloadOutcome.Stored stored:
                Acknowledge(held, new FileSettled(file.Feed.Id, file.FileName, FileSettlement.Stored, stored.Bytes));
                break;
            case DownloadOutcome.AlreadyStored already:
                Acknowledge(held, new FileSettled(file.Feed.Id, file.FileName, FileSettlement.AlreadyStored, already.Bytes));
                break;
            case DownloadOutcome.Failed failure:
                _log.Warning("Dead-lettering {0} of feed {1} after {2} attempts: {3}", file.FileName, file.Feed.Id, failure.Attempts, failure.Reason);
                DeadLetter(held, file.Feed, file.FileName, failure.Reason);
                break;
            default:
                Release(held);
                break;
        }
        AfterWorkerFreed();
    }

    private void OnDownloadCrashed(DownloadCrashed crashed)
    {
        if (!TryTakeBack(crashed.Message, out var held)) return;
        _log.Warning("The downloader of {0} crashed ({1}); its message goes back to the queue (delivery {2} of at most {3})",
            held.Message.Body, crashed.Reason, held.Message.ReceiveCount, _settings.MaxReceiveCount);
        Release(held);
        AfterWorkerFreed();
    }

    /// <summary>The worker that had this message is free again; the message is now being settled.</summary>
    private bool TryTakeBack(QueuedFile message, out HeldMessage held)
    {
        if (!_held.TryGetValue(message.MessageId, out held!) || held.State != HeldState.Dispatched)
        {
            _log.Debug("Ignoring a download report for message {0}, which is not out with a worker", message.MessageId);
            return false;
        }
        _dispatched--;
        return true;
    }

    private void AfterWorkerFreed()
    {
        Dispatch();
        ReceiveMore();
        CompleteDrainIfIdle();
    }

    private void Acknowledge(HeldMessage held, FileSettled settled)
    {
        var message = held.Message;
        Settle(held, "acknowledge", token => _queue.AckAsync(message, token), new Settled(message.MessageId, Settlement.Acknowledged, settled));
    }

    private void Release(HeldMessage held)
    {
        var message = held.Message;
        Settle(held, "release", token => _queue.ReleaseAsync(message, token), new Settled(message.MessageId, Settlement.Released, null));
    }

    private void DeadLetter(HeldMessage held, FeedDefinition? feed, string? fileName, string reason)
    {
        var message = held.Message;
        var record = DeadLetterRecord.For(message, feed, fileName, reason, Context.System.Scheduler.Now);
        var key = record.Key(feed);
        var self = Self;
        var settled = feed is not null && fileName is not null
            ? new FileSettled(feed.Id, fileName, FileSettlement.DeadLettered, 0)
            : null;
        Settle(held, "dead-letter", async token =>
        {
            // The queue keeps the message and the reason even when the record cannot be written, so that failure only warns.
            try
            {
                await _store.WriteTextAsync(key, record.ToJson(), token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                self.Tell(new DeadLetterRecordFailed(key, error));
            }
            await _queue.DeadLetterAsync(message, reason, token).ConfigureAwait(false);
        }, new Settled(message.MessageId, Settlement.DeadLettered, settled));
    }

    private void Settle(HeldMessage held, string action, Func<CancellationToken, Task> operation, Settled onSuccess)
    {
        held.State = HeldState.Settling;
        var messageId = held.Message.MessageId;
        RunAsync(operation, _stopping.Token).PipeTo(Self,
            success: () => onSuccess,
            failure: error => new SettleFailed(messageId, action, error));
    }

    private static async Task RunAsync(Func<CancellationToken, Task> operation, CancellationToken token) =>
        await operation(token).ConfigureAwait(false);

    private void OnSettled(Settled settled)
    {
        _held.Remove(settled.MessageId);
        switch (settled.How)
        {
            case Settlement.Acknowledged when settled.Event!.Settlement == FileSettlement.Stored:
                _stored++;
                break;
            case Settlement.Acknowledged:
                _alreadyStored++;
                break;
            case Settlement.DeadLettered:
                _deadLettered++;
                break;
            case Settlement.Released when _drain is not null:
                _drain.Released++;
                break;
        }
        if (settled.Event is not null) Context.System.EventStream.Publish(settled.Event);
        ReceiveMore();
        CompleteDrainIfIdle();
    }

    private void OnSettleFailed(SettleFailed failed)
    {
        // At-least-once: the message reappears after its visibility timeout and the downloader skips an identical file.
        _log.Warning("Could not {0} message {1} on queue {2}: {3}; it will be delivered again",
            failed.Action, failed.MessageId, _queue.Location, failed.Error.Message);
        _held.Remove(failed.MessageId);
        ReceiveMore();
        CompleteDrainIfIdle();
    }

    private void ExtendVisibility()
    {
        foreach (var held in _held.Values)
        {
            if (held.State == HeldState.Settling) continue;
            var message = held.Message;
            RunAsync(token => _queue.ExtendVisibilityAsync(message, _settings.VisibilityTimeout, token), _stopping.Token)
                .PipeTo(Self, failure: error => new VisibilityExtensionFailed(message, error));
        }
    }

    private void OnDrainAndStop(DrainAndStop drain)
    {
        if (_drain is null)
        {
            _drain = new DrainState();
            _log.Info("Draining: releasing {0} prefetched messages, waiting up to {1} for {2} downloads",
                _waitingForWorker.Count, drain.Grace, _dispatched);
            _pendingReceive?.Cancel();
            Timers.Cancel(ReceiveRetryTimer);
            while (_waitingForWorker.TryDequeue(out var held)) Release(held);
            Timers.StartSingleTimer(GraceTimer, GraceExpired.Instance, drain.Grace);
        }
        _drain.Askers.Add(Sender);
        CompleteDrainIfIdle();
    }

    private void OnGraceExpired(GraceExpired _)
    {
        _log.Warning("Grace period over: interrupting {0} downloads; their messages go back to the queue", _dispatched);
        _downloadCancellation.CancelAll();
    }

    private void CompleteDrainIfIdle()
    {
        if (_drain is null || _held.Count > 0 || _pendingReceive is not null) return;
        _log.Info("Drained: {0} messages handed back to queue {1}", _drain.Released, _queue.Location);
        foreach (var asker in _drain.Askers) asker.Tell(new Drained(_drain.Released));
        Context.Stop(Self);
    }

    private enum HeldState { WaitingForWorker, Dispatched, Settling }

    private sealed class HeldMessage(QueuedFile message)
    {
        public QueuedFile Message { get; set; } = message;
        public DateTimeOffset ReceivedAt { get; } = DateTimeOffset.UtcNow;
        public DownloadFile? File { get; set; }
        public HeldState State { get; set; } = HeldState.WaitingForWorker;
    }

    private sealed class DrainState
    {
        public List<IActorRef> Askers { get; } = [];
        public int Released { get; set; }
    }

    private enum Settlement { Acknowledged, DeadLettered, Released }

    /// <summary>Untrusted text as it may appear in a log line: short, and unable to forge further lines.</summary>
    private static string Shorten(string text) =>
        string.Concat(text.Take(80).Select(c => char.IsControl(c) ? '?' : c)) + (text.Length > 80 ? "…" : "");

    private sealed record Received(IReadOnlyList<QueuedFile> Messages);

    private sealed record ReceiveFailed(Exception Error);

    private sealed record RetryReceive
    {
        public static readonly RetryReceive Instance = new();
    }

    private sealed record Settled(string MessageId, Settlement How, FileSettled? Event);

    private sealed record SettleFailed(string MessageId, string Action, Exception Error);

    private sealed record DeadLetterRecordFailed(string Key, Exception Error);

    private sealed record Heartbeat
    {
        public static readonly Heartbeat Instance = new();
    }

    private sealed record VisibilityExtensionFailed(QueuedFile Message, Exception Error);

    private sealed record GraceExpired
    {
        public static readonly GraceExpired Instance = new();
    }
}

/// <summary>How one node's bridge pulls from the queue; see <see cref="IngestionOptions"/> for each value's meaning.</summary>
public sealed record QueueBridgeSettings(int Workers, int Prefetch, TimeSpan VisibilityTimeout, TimeSpan ReceiveWait, int MaxReceiveCount)
{
    public static QueueBridgeSettings From(IngestionOptions options) => new(
        options.Workers, options.Prefetch, options.VisibilityTimeout, options.ReceiveWait, options.MaxReceiveCount);

    /// <summary>Messages received and not yet settled, at most.</summary>
    public int Capacity => Workers + Prefetch;

    /// <summary>A third of the visibility timeout, so one late or failed extension does not yet let a message reappear.</summary>
    public TimeSpan HeartbeatInterval => VisibilityTimeout / 3;

    public void Validate()
    {
        if (Workers < 1) throw new ArgumentException($"workers must be at least 1 (got {Workers})");
        if (Prefetch < 0) throw new ArgumentException($"prefetch must not be negative (got {Prefetch})");
        if (VisibilityTimeout < TimeSpan.FromSeconds(1))
            throw new ArgumentException($"the visibility timeout must be at least 1 s (got {VisibilityTimeout})");
        // The long poll is what an idle node waits on; a shorter one turns it into a tight polling loop.
        if (ReceiveWait < TimeSpan.FromSeconds(1))
            throw new ArgumentException($"the receive wait must be at least 1 s (got {ReceiveWait})");
        if (MaxReceiveCount < 1) throw new ArgumentException($"the maximum receive count must be at least 1 (got {MaxReceiveCount})");
    }
}

/// <summary>
/// Stop receiving, hand prefetched messages back, let downloads finish for <paramref name="Grace"/>, then interrupt
/// them; answered with <see cref="Drained"/> once nothing is held, after which the bridge stops.
/// </summary>
public sealed record DrainAndStop(TimeSpan Grace);

/// <summary>How many messages went back to the queue while draining.</summary>
public sealed record Drained(int Released);

public sealed record GetBridgeStatus
{
    public static readonly GetBridgeStatus Instance = new();
}

/// <param name="InFlight">Received and not yet settled.</param>
/// <param name="Dispatched">Out with a worker.</param>
/// <param name="Capacity">Workers plus prefetch: the most ever held.</param>
/// <param name="Workers">Downloaders on this node now.</param>
/// <param name="Paused">No new file is started while true.</param>
/// <param name="OldestHeld">How long the oldest message held has been held.</param>
public sealed record BridgeStatus(int InFlight, int Dispatched, int Capacity, long Stored, long AlreadyStored, long DeadLettered,
    int Workers, bool Paused, TimeSpan OldestHeld = default);

/// <summary>Resize this node's download router live; answered with <see cref="WorkersSet"/>.</summary>
public sealed record SetWorkers(int Workers);

public sealed record WorkersSet(int Workers);

/// <summary>No new file starts on this node (running ones finish; prefetched messages go back to the queue).</summary>
public sealed record PauseDownloads
{
    public static readonly PauseDownloads Instance = new();
}

public sealed record ResumeDownloads
{
    public static readonly ResumeDownloads Instance = new();
}

public sealed record DownloadsPaused(bool Paused);
