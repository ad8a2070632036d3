namespace AkkaIngestion.Queueing;

/// <summary>
/// The queue between schedulers and workers, with SQS semantics: a received message is invisible for a while,
/// reappears unless acknowledged, and counts how often it was received.
/// </summary>
public interface IFileQueue
{
    /// <summary>Human-readable location, e.g. <c>memory</c> or <c>sqs://name</c>.</summary>
    string Location { get; }

    /// <summary>
    /// False when messages vanish with the process (in-process queue): the scheduler then moves the bookmark only past
    /// files that are stored, not merely enqueued.
    /// </summary>
    bool IsDurable { get; }

    /// <summary>Fails with <see cref="QueueUnavailableException"/> (one-line message) when the queue cannot be reached.</summary>
    Task CheckReachableAsync(CancellationToken cancellationToken);

    /// <summary>Moves every dead-lettered message back to the queue; returns how many.</summary>
    Task<int> RedriveDeadLettersAsync(CancellationToken cancellationToken);

    /// <summary>Enqueues every job or throws; a job is never half-sent silently.</summary>
    Task SendBatchAsync(IReadOnlyList<FileJob> jobs, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="maxMessages"/> messages, waiting at most <paramref name="wait"/> for the first.</summary>
    Task<IReadOnlyList<QueuedFile>> ReceiveAsync(int maxMessages, TimeSpan wait, CancellationToken cancellationToken);

    Task ExtendVisibilityAsync(QueuedFile message, TimeSpan visibility, CancellationToken cancellationToken);

    /// <summary>Done with: deletes the message.</summary>
    Task AckAsync(QueuedFile message, CancellationToken cancellationToken);

    /// <summary>Hands the message back at once (visibility 0), e.g. on shutdown.</summary>
    Task ReleaseAsync(QueuedFile message, CancellationToken cancellationToken);

    /// <summary>Moves the message out of the way for an operator, with the reason.</summary>
    Task DeadLetterAsync(QueuedFile message, string reason, CancellationToken cancellationToken);
}

/// <summary>What a scheduler asks for: one file of one feed.</summary>
public sealed record FileJob(string FeedId, string FileName);

/// <summary>A received message. Its body is untrusted input until the bridge validated it against its feed.</summary>
/// <param name="MessageId">Stable across redeliveries.</param>
/// <param name="ReceiptHandle">Identifies this delivery for extend/ack/release.</param>
/// <param name="Body">The file name, as sent.</param>
/// <param name="FeedId">The feed attribute, when present.</param>
/// <param name="ReceiveCount">How many times it has been delivered, this time included.</param>
public sealed record QueuedFile(string MessageId, string ReceiptHandle, string Body, string? FeedId, int ReceiveCount);

public sealed class QueueUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
