using System.Collections.Concurrent;
using AkkaIngestion.Queueing;

namespace AkkaIngestion.Tests.Fakes;

/// <summary>Records what a scheduler sends; the scheduler side of the queue contract only.</summary>
/// <param name="onSent">Called per job once sent, e.g. to play the worker that settles it.</param>
internal sealed class RecordingQueue(bool durable, Action<FileJob>? onSent = null) : IFileQueue
{
    public ConcurrentQueue<FileJob> Sent { get; } = new();

    public ConcurrentQueue<int> BatchSizes { get; } = new();

    /// <summary>Number of upcoming SendBatchAsync calls that fail.</summary>
    public int FailNextSends;

    public string Location => "recording";

    public bool IsDurable => durable;

    public Task SendBatchAsync(IReadOnlyList<FileJob> jobs, CancellationToken cancellationToken)
    {
        if (Interlocked.Decrement(ref FailNextSends) >= 0)
            return Task.FromException(new IOException("queue unavailable"));
        BatchSizes.Enqueue(jobs.Count);
        foreach (var job in jobs)
        {
            Sent.Enqueue(job);
            onSent?.Invoke(job);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<QueuedFile>> ReceiveAsync(int maxMessages, TimeSpan wait, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task ExtendVisibilityAsync(QueuedFile message, TimeSpan visibility, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task AckAsync(QueuedFile message, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task ReleaseAsync(QueuedFile message, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task DeadLetterAsync(QueuedFile message, string reason, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<int> RedriveDeadLettersAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
}
