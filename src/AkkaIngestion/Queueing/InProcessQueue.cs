namespace AkkaIngestion.Queueing;

/// <summary>
/// The embedded queue (<c>--queue memory</c>). It keeps SQS semantics so the bridge runs the same code path as with SQS:
/// a received message is invisible for the visibility timeout and reappears unless acknowledged, each delivery has its
/// own receipt handle and bumps the receive count, and receives long-poll. Messages live only as long as the process.
/// </summary>
/// <remarks>
/// Stale receipt handles (the message was redelivered since) behave as SQS does in practice: acknowledging or
/// dead-lettering settles the message whichever delivery the handle came from, because the file's fate is decided;
/// extending or releasing with a stale handle does nothing, so an old holder cannot disturb the current one.
/// Settling a message that is already gone does nothing either, as a repeated SQS delete succeeds.
/// </remarks>
public sealed class InProcessQueue : IFileQueue
{
    /// <summary>SQS's limit per receive, kept so a bridge that works here works against SQS.</summary>
    public const int MaxMessagesPerReceive = 10;

    public static readonly TimeSpan DefaultVisibilityTimeout = TimeSpan.FromSeconds(300);

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _visibilityTimeout;
    private readonly Dictionary<string, Message> _messages = new();
    private readonly PriorityQueue<Message, long> _visible = new();
    private readonly HashSet<Message> _inFlight = new();
    private readonly List<DeadLetter> _deadLetters = new();
    private TaskCompletionSource _messagesBecameVisible = NewSignal();
    private long _nextSequence;
    private long _nextDelivery;

    public InProcessQueue(TimeSpan? visibilityTimeout = null, TimeProvider? timeProvider = null)
    {
        _visibilityTimeout = visibilityTimeout ?? DefaultVisibilityTimeout;
        if (_visibilityTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(visibilityTimeout), _visibilityTimeout, "the visibility timeout must be positive");
        _time = timeProvider ?? TimeProvider.System;
    }

    public string Location => "memory";

    public bool IsDurable => false;

    public IReadOnlyList<DeadLetter> DeadLetters
    {
        get
        {
            lock (_gate) return _deadLetters.ToArray();
        }
    }

    public InProcessQueueCounts Counts
    {
        get
        {
            lock (_gate)
            {
                ReturnExpired(_time.GetUtcNow());
                return new InProcessQueueCounts(_visible.Count, _inFlight.Count, _deadLetters.Count);
            }
        }
    }

    public Task SendBatchAsync(IReadOnlyList<FileJob> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        cancellationToken.ThrowIfCancellationRequested();
        if (jobs.Count == 0) return Task.CompletedTask;
        lock (_gate)
        {
            foreach (var job in jobs)
            {
                var message = new Message(Guid.NewGuid().ToString("D"), job.FileName, string.IsNullOrEmpty(job.FeedId) ? null : job.FeedId,
                    _nextSequence++);
                _messages.Add(message.Id, message);
                _visible.Enqueue(message, message.Sequence);
            }
            SignalVisible();
        }
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<QueuedFile>> ReceiveAsync(int maxMessages, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, MaxMessagesPerReceive);
        var deadline = _time.GetUtcNow() + (wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task messagesBecameVisible;
            TimeSpan sleep;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                ReturnExpired(now);
                if (_visible.Count > 0) return Deliver(maxMessages, now);
                if (now >= deadline) return [];
                var wakeAt = deadline;
                foreach (var message in _inFlight)
                    if (message.VisibleAt < wakeAt) wakeAt = message.VisibleAt;
                sleep = wakeAt - now;
                messagesBecameVisible = _messagesBecameVisible.Task;
            }
            // Sleep until a send/release signals, the earliest in-flight message becomes visible again, or the wait ends.
            using var stopSleeping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timeout = Task.Delay(sleep, _time, stopSleeping.Token);
            await Task.WhenAny(messagesBecameVisible, timeout).ConfigureAwait(false);
            await stopSleeping.CancelAsync().ConfigureAwait(false);
        }
    }

    public Task ExtendVisibilityAsync(QueuedFile message, TimeSpan visibility, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(visibility, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            ReturnExpired(now);
            if (CurrentDelivery(message) is { } current)
            {
                if (visibility == TimeSpan.Zero) MakeVisible(current);
                else current.VisibleAt = now + visibility;
            }
        }
        return Task.CompletedTask;
    }

    public Task ReleaseAsync(QueuedFile message, CancellationToken cancellationToken) =>
        ExtendVisibilityAsync(message, TimeSpan.Zero, cancellationToken);

    public Task AckAsync(QueuedFile message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate) Remove(message.MessageId);
        return Task.CompletedTask;
    }

    public Task DeadLetterAsync(QueuedFile message, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (Remove(message.MessageId) is { } removed)
                _deadLetters.Add(new DeadLetter(removed.Id, removed.Body, removed.FeedId, reason, _time.GetUtcNow(), removed.ReceiveCount));
        }
        return Task.CompletedTask;
    }

    /// <summary>Puts every dead letter back as a fresh message (receive count 0, same message id); returns how many.</summary>
    public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<int> RedriveDeadLettersAsync(CancellationToken cancellationToken) => Task.FromResult(RedriveAll());

    public int RedriveAll()
    {
        lock (_gate)
        {
            var count = _deadLetters.Count;
            foreach (var dead in _deadLetters)
            {
                var message = new Message(dead.MessageId, dead.Body, dead.FeedId, _nextSequence++);
                _messages.Add(message.Id, message);
                _visible.Enqueue(message, message.Sequence);
            }
            _deadLetters.Clear();
            if (count > 0) SignalVisible();
            return count;
        }
    }

    private IReadOnlyList<QueuedFile> Deliver(int maxMessages, DateTimeOffset now)
    {
        var delivered = new List<QueuedFile>(Math.Min(maxMessages, _visible.Count));
        while (delivered.Count < maxMessages && _visible.TryDequeue(out var message, out _))
        {
            message.ReceiveCount++;
            message.ReceiptHandle = $"{message.Id}#{++_nextDelivery}";
            message.VisibleAt = now + _visibilityTimeout;
            _inFlight.Add(message);
            delivered.Add(new QueuedFile(message.Id, message.ReceiptHandle, message.Body, message.FeedId, message.ReceiveCount));
        }
        return delivered;
    }

    private Message? CurrentDelivery(QueuedFile delivery) =>
        _messages.TryGetValue(delivery.MessageId, out var message) && _inFlight.Contains(message)
            && message.ReceiptHandle == delivery.ReceiptHandle
            ? message
            : null;

    private Message? Remove(string messageId)
    {
        if (!_messages.Remove(messageId, out var message)) return null;
        if (!_inFlight.Remove(message)) _visible.Remove(message, out _, out _);
        return message;
    }

    private void ReturnExpired(DateTimeOffset now)
    {
        List<Message>? expired = null;
        foreach (var message in _inFlight)
            if (message.VisibleAt <= now) (expired ??= []).Add(message);
        if (expired is null) return;
        foreach (var message in expired) MakeVisible(message);
    }

    private void MakeVisible(Message message)
    {
        _inFlight.Remove(message);
        _visible.Enqueue(message, message.Sequence);
        SignalVisible();
    }

    private void SignalVisible()
    {
        _messagesBecameVisible.TrySetResult();
        _messagesBecameVisible = NewSignal();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Message(string id, string body, string? feedId, long sequence)
    {
        public string Id { get; } = id;
        public string Body { get; } = body;
        public string? FeedId { get; } = feedId;
        public long Sequence { get; } = sequence;
        public int ReceiveCount { get; set; }
        public string ReceiptHandle { get; set; } = "";
        public DateTimeOffset VisibleAt { get; set; }
    }
}

/// <summary>A message moved out of the way, as an operator sees it.</summary>
public sealed record DeadLetter(string MessageId, string Body, string? FeedId, string Reason, DateTimeOffset At, int ReceiveCount);

/// <summary>Messages waiting, received but not settled, and dead-lettered.</summary>
public sealed record InProcessQueueCounts(int Visible, int InFlight, int Dead);
