using System.Globalization;
using AkkaIngestion.Feeds;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace AkkaIngestion.Queueing;

/// <summary>A message in a queue's dead-letter queue, as an operator sees it.</summary>
/// <param name="MessageId">Its id in the dead-letter queue.</param>
/// <param name="Reason">Why, when a node dead-lettered it; null when SQS moved it after maxReceiveCount receives.</param>
/// <param name="OriginalMessageId">Its id in the main queue when a node dead-lettered it.</param>
/// <param name="SentAt">When it arrived in the dead-letter queue.</param>
public sealed record SqsDeadLetter(string MessageId, string Body, string? FeedId, string? Reason, string? OriginalMessageId, DateTimeOffset? SentAt)
{
    /// <summary>
    /// Where the node that dead-lettered this message wrote its <see cref="DeadLetterRecord"/>: the feed is chosen and the
    /// body validated as the bridge does, so the key is the one it used.
    /// </summary>
    public string StoreRecordKey(IReadOnlyCollection<FeedDefinition> feeds)
    {
        var feed = FeedId is null
            ? feeds.Count == 1 ? feeds.First() : null
            : feeds.FirstOrDefault(f => f.Id == FeedId);
        return feed is not null && feed.Naming.TryParse(Body, out _)
            ? feed.DeadLetterKey(Body)
            : DeadLetterRecord.InvalidKey(OriginalMessageId ?? MessageId);
    }
}

/// <summary>What a redrive did: the messages now back on the queue, and what could not be done (nothing is lost by it).</summary>
public sealed record RedriveResult(string DeadLetterQueue, IReadOnlyList<SqsDeadLetter> Moved, IReadOnlyList<string> Problems);

/// <summary>A queue without a RedrivePolicy: it has no dead letters to show or move.</summary>
public sealed class NoDeadLetterQueueException(string message) : Exception(message);

/// <summary>
/// An operator's hands on a queue's dead letters (the queue its RedrivePolicy names): list them without consuming any,
/// or move them all back to the queue.
/// </summary>
public sealed class SqsDeadLetters(SqsQueue queue)
{
    /// <summary>
    /// SQS cannot peek: messages are received and stay hidden for this long, so paging through them sees each once, then
    /// are made visible again. If this process dies meanwhile they reappear on their own after it.
    /// </summary>
    public static readonly TimeSpan Hold = TimeSpan.FromSeconds(60);

    private static readonly List<string> Attributes = [SqsQueue.FeedAttribute, SqsQueue.ReasonAttribute, SqsQueue.OriginalMessageIdAttribute];

    /// <summary>The name of the dead-letter queue, and every message in it, oldest first. Nothing is deleted.</summary>
    public async Task<(string DeadLetterQueue, IReadOnlyList<SqsDeadLetter> Letters)> ListAsync(CancellationToken cancellationToken)
    {
        var (name, url) = await TargetAsync(cancellationToken);
        var seen = new Dictionary<string, (SqsDeadLetter Letter, string ReceiptHandle)>();
        while (true)
        {
            var fresh = 0;
            foreach (var message in await ReceiveAsync(url, cancellationToken))
            {
                if (!seen.ContainsKey(message.MessageId)) fresh++;
                // The newest receipt handle is the one that can make the message visible again.
                seen[message.MessageId] = (ToDeadLetter(message), message.ReceiptHandle);
            }
            if (fresh == 0) break;
        }
        await MakeVisibleAsync(url, seen.Values.Select(held => held.ReceiptHandle), cancellationToken);
        return (name, seen.Values.Select(held => held.Letter).OrderBy(letter => letter.SentAt).ThenBy(letter => letter.MessageId).ToList());
    }

    /// <summary>
    /// Moves every dead letter back to the queue: each batch is sent first and deleted from the dead letters second, so a
    /// crash in between duplicates a message rather than losing it. Messages dead-lettered again while this runs (the
    /// redriven file failed at once) are left for the next redrive instead of being moved round in circles.
    /// </summary>
    public async Task<RedriveResult> RedriveAsync(CancellationToken cancellationToken)
    {
        var (name, deadLetterUrl) = await TargetAsync(cancellationToken);
        var queueUrl = await queue.QueueUrlAsync(cancellationToken);
        var moved = new List<SqsDeadLetter>();
        var problems = new List<string>();
        var sentIds = new HashSet<string>();
        var leftInPlace = new Dictionary<string, string>();
        while (true)
        {
            var toMove = new List<Message>();
            foreach (var message in await ReceiveAsync(deadLetterUrl, cancellationToken))
            {
                var letter = ToDeadLetter(message);
                if (letter.OriginalMessageId is { } original && sentIds.Contains(original)) leftInPlace[message.MessageId] = message.ReceiptHandle;
                else toMove.Add(message);
            }
            if (toMove.Count == 0) break;

            var sent = await queue.Client.SendMessageBatchAsync(new SendMessageBatchRequest
            {
                QueueUrl = queueUrl,
                Entries = toMove.Select((message, index) => new SendMessageBatchRequestEntry
                {
                    Id = index.ToString(CultureInfo.InvariantCulture),
                    MessageBody = message.Body,
                    MessageAttributes = ToDeadLetter(message).FeedId is { Length: > 0 } feed
                        ? new Dictionary<string, MessageAttributeValue> { [SqsQueue.FeedAttribute] = new() { DataType = "String", StringValue = feed } }
                        : null,
                }).ToList(),
            }, cancellationToken);
            var delivered = new List<Message>();
            foreach (var entry in sent.Successful ?? [])
            {
                sentIds.Add(entry.MessageId);
                delivered.Add(toMove[int.Parse(entry.Id, CultureInfo.InvariantCulture)]);
            }
            foreach (var entry in sent.Failed ?? [])
            {
                var message = toMove[int.Parse(entry.Id, CultureInfo.InvariantCulture)];
                leftInPlace[message.MessageId] = message.ReceiptHandle;
                problems.Add($"'{message.Body}' could not be sent back to {queue.Location} ({entry.Code}: {entry.Message}); it stays in the dead letters");
            }
            if (delivered.Count == 0) continue;

            var deleted = await queue.Client.DeleteMessageBatchAsync(new DeleteMessageBatchRequest
            {
                QueueUrl = deadLetterUrl,
                Entries = delivered.Select((message, index) => new DeleteMessageBatchRequestEntry
                {
                    Id = index.ToString(CultureInfo.InvariantCulture),
                    ReceiptHandle = message.ReceiptHandle,
                }).ToList(),
            }, cancellationToken);
            foreach (var entry in deleted.Failed ?? [])
                problems.Add($"'{delivered[int.Parse(entry.Id, CultureInfo.InvariantCulture)].Body}' is back on {queue.Location} but could not be " +
                             $"removed from sqs://{name} ({entry.Code}: {entry.Message}); it will show there again");
            moved.AddRange(delivered.Select(ToDeadLetter));
        }
        await MakeVisibleAsync(deadLetterUrl, leftInPlace.Values, cancellationToken);
        return new RedriveResult(name, moved, problems);
    }

    private async Task<(string Name, string Url)> TargetAsync(CancellationToken cancellationToken)
    {
        var target = await queue.DeadLetterTargetAsync(cancellationToken);
        if (target.QueueName is not { } name || target.QueueUrl is not { } url)
            throw new NoDeadLetterQueueException($"queue {queue.Location} has no dead-letter queue (no RedrivePolicy); run setup to give it one");
        return (name, url);
    }

    private async Task<List<Message>> ReceiveAsync(string queueUrl, CancellationToken cancellationToken) =>
        (await queue.Client.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = queueUrl,
            MaxNumberOfMessages = SqsQueue.MaxBatch,
            VisibilityTimeout = (int)Hold.TotalSeconds,
            // A short long-poll asks every SQS server, so an empty answer means the queue is empty (a short poll may not).
            WaitTimeSeconds = 1,
            MessageSystemAttributeNames = [MessageSystemAttributeName.SentTimestamp],
            MessageAttributeNames = Attributes,
        }, cancellationToken)).Messages ?? [];

    private async Task MakeVisibleAsync(string queueUrl, IEnumerable<string> receiptHandles, CancellationToken cancellationToken)
    {
        foreach (var chunk in receiptHandles.Chunk(SqsQueue.MaxBatch))
            await queue.Client.ChangeMessageVisibilityBatchAsync(new ChangeMessageVisibilityBatchRequest
            {
                QueueUrl = queueUrl,
                Entries = chunk.Select((handle, index) => new ChangeMessageVisibilityBatchRequestEntry
                {
                    Id = index.ToString(CultureInfo.InvariantCulture),
                    ReceiptHandle = handle,
                    VisibilityTimeout = 0,
                }).ToList(),
            }, cancellationToken);
    }

    private static SqsDeadLetter ToDeadLetter(Message message)
    {
        string? Attribute(string name) => message.MessageAttributes?.GetValueOrDefault(name)?.StringValue;
        DateTimeOffset? sentAt = message.Attributes?.GetValueOrDefault(MessageSystemAttributeName.SentTimestamp) is { } sent
                                 && long.TryParse(sent, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
            : null;
        return new SqsDeadLetter(message.MessageId, message.Body ?? "", Attribute(SqsQueue.FeedAttribute), Attribute(SqsQueue.ReasonAttribute),
            Attribute(SqsQueue.OriginalMessageIdAttribute), sentAt);
    }
}
