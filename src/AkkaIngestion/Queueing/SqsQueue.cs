using AkkaIngestion.Aws;
using System.Globalization;
using AkkaIngestion.Queueing;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace AkkaIngestion.Queueing;

/// <summary>
/// <see cref="IFileQueue"/> on an SQS standard queue. Requests always go to the client's endpoint; a queue URL is only
/// passed as the QueueUrl parameter (emulators hand out URLs whose host does not resolve).
/// </summary>
public sealed class SqsQueue : IFileQueue
{
    public const string FeedAttribute = "feed";
    public const string ReasonAttribute = "dead-letter-reason";
    public const string OriginalMessageIdAttribute = "dead-letter-message-id";
    public const int MaxBatch = 10;
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(20);

    // SQS keeps a message invisible for at most 12 hours.
    private static readonly TimeSpan MaxVisibility = TimeSpan.FromHours(12);
    private const int MaxReasonLength = 4096;

    private readonly IAmazonSQS _sqs;
    private readonly SqsQueueLocation _location;
    private readonly ILogger _logger;
    private readonly TimeSpan? _receiveVisibility;
    private readonly ResiliencePipeline _partialFailureRetry;
    private readonly SqsDeleteBatcher _deletes;
    private readonly SemaphoreSlim _resolveLock = new(1, 1);
    private string? _queueUrl;
    private DeadLetterTarget? _deadLetterTarget;

    /// <summary>How long an acknowledgement waits for others to share its DeleteMessageBatch call.</summary>
    public static readonly TimeSpan DefaultAckLinger = TimeSpan.FromMilliseconds(20);

    /// <param name="receiveVisibility">
    /// How long a received message stays invisible before its first extension; null leaves it to the queue's own
    /// VisibilityTimeout. A node passes its configured timeout so a crashed node's messages come back as soon as it says.
    /// </param>
    public SqsQueue(IAmazonSQS sqs, SqsQueueLocation location, ILogger<SqsQueue>? logger = null, TimeSpan? retryBaseDelay = null,
        TimeSpan? receiveVisibility = null, TimeSpan? ackLinger = null)
    {
        _sqs = sqs;
        _location = location;
        _receiveVisibility = receiveVisibility;
        _queueUrl = location.QueueUrl;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _partialFailureRetry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<PartialBatchFailure>(failure => failure.Retryable),
                MaxRetryAttempts = 4,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retryBaseDelay ?? TimeSpan.FromMilliseconds(200),
            })
            .Build();
        _deletes = new SqsDeleteBatcher(sqs, QueueUrlAsync, ackLinger ?? DefaultAckLinger);
    }

    private static int VisibilitySeconds(TimeSpan visibility) => (int)Math.Clamp(Math.Ceiling(visibility.TotalSeconds), 0, MaxVisibility.TotalSeconds);

    public string Location => _location.ToString();

    public bool IsDurable => true;

    public async Task SendBatchAsync(IReadOnlyList<FileJob> jobs, CancellationToken cancellationToken)
    {
        var queueUrl = await QueueUrlAsync(cancellationToken);
        foreach (var chunk in jobs.Chunk(MaxBatch))
        {
            var pending = chunk.Select((job, index) => new SendMessageBatchRequestEntry
            {
                Id = index.ToString(CultureInfo.InvariantCulture),
                MessageBody = job.FileName,
                MessageAttributes = new Dictionary<string, MessageAttributeValue>
                {
                    [FeedAttribute] = new() { DataType = "String", StringValue = job.FeedId },
                },
            }).ToList();
            try
            {
                await _partialFailureRetry.ExecuteAsync(async ct =>
                {
                    var response = await _sqs.SendMessageBatchAsync(
                        new SendMessageBatchRequest { QueueUrl = queueUrl, Entries = pending }, ct);
                    var failed = response.Failed ?? [];
                    if (failed.Count == 0) return;
                    var failedIds = failed.Select(entry => entry.Id).ToHashSet();
                    pending = pending.Where(entry => failedIds.Contains(entry.Id)).ToList();
                    throw new PartialBatchFailure(failed, retryable: failed.All(entry => entry.SenderFault != true));
                }, cancellationToken);
            }
            catch (PartialBatchFailure failure)
            {
                var files = string.Join(", ", failure.Failed.Select(entry =>
                    $"{chunk[int.Parse(entry.Id, CultureInfo.InvariantCulture)].FileName} ({entry.Code}: {entry.Message})"));
                throw new QueueSendException(
                    $"could not enqueue {failure.Failed.Count} of {jobs.Count} files to {Location}: {files}", failure);
            }
        }
    }

    public async Task<IReadOnlyList<QueuedFile>> ReceiveAsync(int maxMessages, TimeSpan wait, CancellationToken cancellationToken)
    {
        var response = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = await QueueUrlAsync(cancellationToken),
            MaxNumberOfMessages = Math.Clamp(maxMessages, 1, MaxBatch),
            VisibilityTimeout = _receiveVisibility is { } visibility ? VisibilitySeconds(visibility) : null,
            WaitTimeSeconds = (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 0, MaxWait.TotalSeconds),
            MessageSystemAttributeNames = [MessageSystemAttributeName.ApproximateReceiveCount],
            MessageAttributeNames = [FeedAttribute],
        }, cancellationToken);
        return (response.Messages ?? []).Select(ToQueuedFile).ToList();
    }

    public async Task ExtendVisibilityAsync(QueuedFile message, TimeSpan visibility, CancellationToken cancellationToken) =>
        await ChangeVisibilityAsync(message, visibility, cancellationToken);

    /// <summary>Deleted in batches of up to ten (see <see cref="SqsDeleteBatcher"/>); the task ends with this message's own outcome.</summary>
    public Task AckAsync(QueuedFile message, CancellationToken cancellationToken) =>
        _deletes.DeleteAsync(message.ReceiptHandle, cancellationToken);

    public async Task ReleaseAsync(QueuedFile message, CancellationToken cancellationToken) =>
        await ChangeVisibilityAsync(message, TimeSpan.Zero, cancellationToken);

    /// <summary>
    /// Sends the message with its reason to the queue's dead-letter queue at once and deletes the original. Letting SQS
    /// move it after maxReceiveCount would run a file already known to be hopeless that many more times.
    /// </summary>
    public async Task DeadLetterAsync(QueuedFile message, string reason, CancellationToken cancellationToken)
    {
        var target = await DeadLetterTargetAsync(cancellationToken);
        if (target.QueueUrl is null)
        {
            // Nowhere to move it, and deleting would lose it: park it for the longest time SQS allows.
            _logger.LogError(
                "cannot dead-letter {File} (feed {Feed}): {Queue} has no redrive policy; hidden for {Hours} h instead. Reason: {Reason}",
                message.Body, message.FeedId, Location, MaxVisibility.TotalHours, reason);
            await ChangeVisibilityAsync(message, MaxVisibility, cancellationToken);
            return;
        }

        var attributes = new Dictionary<string, MessageAttributeValue>
        {
            [ReasonAttribute] = new() { DataType = "String", StringValue = Truncate(reason) },
            [OriginalMessageIdAttribute] = new() { DataType = "String", StringValue = message.MessageId },
        };
        if (!string.IsNullOrEmpty(message.FeedId))
            attributes[FeedAttribute] = new() { DataType = "String", StringValue = message.FeedId };
        await _sqs.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = target.QueueUrl,
            MessageBody = message.Body,
            MessageAttributes = attributes,
        }, cancellationToken);
        // Sent first, deleted second: a failure in between leaves a duplicate in the dead letters, never a loss.
        await AckAsync(message, cancellationToken);
        _logger.LogWarning("dead-lettered {File} (feed {Feed}) to {DeadLetterQueue} after {Receives} receive(s): {Reason}",
            message.Body, message.FeedId, target.QueueName, message.ReceiveCount, reason);
    }

    private async Task ChangeVisibilityAsync(QueuedFile message, TimeSpan visibility, CancellationToken cancellationToken) =>
        await _sqs.ChangeMessageVisibilityAsync(new ChangeMessageVisibilityRequest
        {
            QueueUrl = await QueueUrlAsync(cancellationToken),
            ReceiptHandle = message.ReceiptHandle,
            VisibilityTimeout = VisibilitySeconds(visibility),
        }, cancellationToken);

    public async Task CheckReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
            {
                QueueUrl = await QueueUrlAsync(cancellationToken),
                AttributeNames = [QueueAttributeName.ApproximateNumberOfMessages],
            }, cancellationToken);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            throw new QueueUnavailableException($"queue {Location} is not reachable: {AwsErrors.Explain(e)}", e);
        }
    }

    /// <summary>Sends every dead letter back to this queue, then deletes it from the DLQ: a crash in between duplicates, never loses.</summary>
    public async Task<int> RedriveDeadLettersAsync(CancellationToken cancellationToken)
    {
        var target = await DeadLetterTargetAsync(cancellationToken);
        if (target.QueueUrl is null) return 0;
        var queueUrl = await QueueUrlAsync(cancellationToken);
        var moved = 0;
        while (true)
        {
            var received = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = target.QueueUrl,
                MaxNumberOfMessages = MaxBatch,
                WaitTimeSeconds = 1,
                MessageAttributeNames = [FeedAttribute],
            }, cancellationToken);
            if (received.Messages is not { Count: > 0 } messages) return moved;
            foreach (var message in messages)
            {
                var send = new SendMessageRequest(queueUrl, message.Body) { MessageAttributes = new Dictionary<string, MessageAttributeValue>() };
                if (message.MessageAttributes?.TryGetValue(FeedAttribute, out var feed) == true) send.MessageAttributes[FeedAttribute] = feed;
                await _sqs.SendMessageAsync(send, cancellationToken);
                await _sqs.DeleteMessageAsync(target.QueueUrl, message.ReceiptHandle, cancellationToken);
                moved++;
            }
        }
    }

    internal IAmazonSQS Client => _sqs;

    internal async ValueTask<string> QueueUrlAsync(CancellationToken cancellationToken)
    {
        if (_queueUrl is { } known) return known;
        await _resolveLock.WaitAsync(cancellationToken);
        try
        {
            return _queueUrl ??= (await _sqs.GetQueueUrlAsync(_location.QueueName, cancellationToken)).QueueUrl;
        }
        catch (QueueDoesNotExistException e)
        {
            throw new QueueUnavailableException($"queue {Location} does not exist (create it with setup)", e);
        }
        finally
        {
            _resolveLock.Release();
        }
    }

    /// <summary>The queue named by this queue's RedrivePolicy; both parts null when it has none.</summary>
    internal async ValueTask<DeadLetterTarget> DeadLetterTargetAsync(CancellationToken cancellationToken)
    {
        if (_deadLetterTarget is { } known) return known;
        var attributes = await _sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
        {
            QueueUrl = await QueueUrlAsync(cancellationToken),
            AttributeNames = [QueueAttributeName.RedrivePolicy],
        }, cancellationToken);
        var policy = RedrivePolicy.Parse(attributes.Attributes?.GetValueOrDefault(QueueAttributeName.RedrivePolicy));
        if (policy is null) return _deadLetterTarget = new DeadLetterTarget(null, null);
        var response = await _sqs.GetQueueUrlAsync(new GetQueueUrlRequest
        {
            QueueName = policy.TargetQueueName,
            QueueOwnerAWSAccountId = policy.TargetAccountId,
        }, cancellationToken);
        return _deadLetterTarget = new DeadLetterTarget(policy.TargetQueueName, response.QueueUrl);
    }

    private static QueuedFile ToQueuedFile(Message message)
    {
        var receiveCount = message.Attributes?.GetValueOrDefault(MessageSystemAttributeName.ApproximateReceiveCount) is { } count
                           && int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : 1;
        var feed = message.MessageAttributes?.GetValueOrDefault(FeedAttribute)?.StringValue;
        return new QueuedFile(message.MessageId, message.ReceiptHandle, message.Body ?? "", feed, receiveCount);
    }

    private static string Truncate(string reason) =>
        reason.Length <= MaxReasonLength ? reason : reason[..(MaxReasonLength - 1)] + "…";

    internal sealed record DeadLetterTarget(string? QueueName, string? QueueUrl);

    private sealed class PartialBatchFailure(IReadOnlyList<BatchResultErrorEntry> failed, bool retryable)
        : Exception($"{failed.Count} entries failed")
    {
        public IReadOnlyList<BatchResultErrorEntry> Failed { get; } = failed;
        public bool Retryable { get; } = retryable;
    }
}

/// <summary>Some jobs could not be enqueued; the message names each file and why.</summary>
public sealed class QueueSendException(string message, Exception? inner = null) : Exception(message, inner);
