using AkkaIngestion.Queueing;

namespace AkkaIngestion.Tests.Queueing;

/// <summary>
/// Wraps a queue and watches what its client does: every delivery, how many messages it holds (received and not yet
/// acknowledged, released or dead-lettered) and the most it ever held, and its visibility extensions.
/// </summary>
internal sealed class RecordingQueue(IFileQueue inner) : IFileQueue
{
    private readonly object _gate = new();
    private readonly List<QueuedFile> _deliveries = [];
    private readonly HashSet<string> _held = [];
    private int _mostHeld;
    private int _receives;
    private readonly List<long> _receivedAt = [];
    private int _extensions;

    public Func<Exception?> FailReceive { get; set; } = () => null;

    /// <summary>Acknowledgements wait for this task before reaching the queue (a slow or batched delete).</summary>
    public Task AckGate { get; set; } = Task.CompletedTask;

    public string Location => inner.Location;

    public bool IsDurable => inner.IsDurable;

    public IReadOnlyList<QueuedFile> Deliveries
    {
        get
        {
            lock (_gate) return _deliveries.ToArray();
        }
    }

    public int Held
    {
        get
        {
            lock (_gate) return _held.Count;
        }
    }

    public int MostHeld
    {
        get
        {
            lock (_gate) return _mostHeld;
        }
    }

    public int Receives => Volatile.Read(ref _receives);

    /// <summary>When each receive was asked for (<see cref="TimeProvider.GetTimestamp"/> of the system clock), in order.</summary>
    public IReadOnlyList<long> ReceivedAt
    {
        get
        {
            lock (_gate) return _receivedAt.ToArray();
        }
    }

    public int Extensions => Volatile.Read(ref _extensions);

    public Task SendBatchAsync(IReadOnlyList<FileJob> jobs, CancellationToken cancellationToken) =>
        inner.SendBatchAsync(jobs, cancellationToken);

    public async Task<IReadOnlyList<QueuedFile>> ReceiveAsync(int maxMessages, TimeSpan wait, CancellationToken cancellationToken)
    {
        lock (_gate) _receivedAt.Add(TimeProvider.System.GetTimestamp());
        Interlocked.Increment(ref _receives);
        if (FailReceive() is { } failure) throw failure;
        var messages = await inner.ReceiveAsync(maxMessages, wait, cancellationToken);
        lock (_gate)
        {
            _deliveries.AddRange(messages);
            foreach (var message in messages) _held.Add(message.MessageId);
            _mostHeld = Math.Max(_mostHeld, _held.Count);
        }
        return messages;
    }

    public Task ExtendVisibilityAsync(QueuedFile message, TimeSpan visibility, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _extensions);
        return inner.ExtendVisibilityAsync(message, visibility, cancellationToken);
    }

    public Task AckAsync(QueuedFile message, CancellationToken cancellationToken) =>
        Settle(message, AckAfterGateAsync(message, cancellationToken));

    private async Task AckAfterGateAsync(QueuedFile message, CancellationToken cancellationToken)
    {
        await AckGate.WaitAsync(cancellationToken);
        await inner.AckAsync(message, cancellationToken);
    }

    public Task ReleaseAsync(QueuedFile message, CancellationToken cancellationToken) =>
        Settle(message, inner.ReleaseAsync(message, cancellationToken));

    public Task CheckReachableAsync(CancellationToken cancellationToken) => inner.CheckReachableAsync(cancellationToken);

    public Task<int> RedriveDeadLettersAsync(CancellationToken cancellationToken) => inner.RedriveDeadLettersAsync(cancellationToken);

    public Task DeadLetterAsync(QueuedFile message, string reason, CancellationToken cancellationToken) =>
        Settle(message, inner.DeadLetterAsync(message, reason, cancellationToken));

    private async Task Settle(QueuedFile message, Task settling)
    {
        await settling;
        lock (_gate) _held.Remove(message.MessageId);
    }
}
