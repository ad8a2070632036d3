using AkkaIngestion.Aws;
using System.Globalization;
using System.Net;
using AkkaIngestion.Storage;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace AkkaIngestion.Queueing;

/// <summary>What setup asks of the queue it creates or finds.</summary>
public sealed record SqsSetupOptions(TimeSpan VisibilityTimeout, int MaxReceiveCount)
{
    public static SqsSetupOptions Default { get; } = new(TimeSpan.FromSeconds(300), 5);
}

/// <summary>What setup did: the resources it created, none when everything was already in place.</summary>
public sealed record SetupReport(IReadOnlyList<string> Created)
{
    public bool Changed => Created.Count > 0;

    public override string ToString() => Changed ? "created " + string.Join(", ", Created) : "already set up";
}

/// <summary>An existing resource differs from what setup would create; the message says how and what to do.</summary>
public sealed class SetupConflictException(string message) : Exception(message);

/// <summary>
/// Creates the bucket, the queue and its "-dlq" dead-letter queue, or checks that existing ones fit. Safe to run again:
/// a second run changes nothing.
/// </summary>
public sealed class SqsSetup(IAmazonS3 s3, IAmazonSQS sqs)
{
    private const int DeadLetterRetentionSeconds = 14 * 24 * 3600;

    public async Task<SetupReport> EnsureAsync(
        S3StoreLocation? store, SqsQueueLocation queue, SqsSetupOptions options, CancellationToken cancellationToken)
    {
        var created = new List<string>();
        if (store is not null && await EnsureBucketAsync(store.Bucket, cancellationToken)) created.Add($"bucket s3://{store.Bucket}");

        var deadLetterName = queue.DeadLetterQueueName;
        var deadLetterUrl = await FindQueueAsync(deadLetterName, cancellationToken);
        if (deadLetterUrl is null)
        {
            deadLetterUrl = await CreateQueueAsync(deadLetterName, new Dictionary<string, string>
            {
                [QueueAttributeName.MessageRetentionPeriod] = DeadLetterRetentionSeconds.ToString(CultureInfo.InvariantCulture),
            }, cancellationToken);
            created.Add($"queue sqs://{deadLetterName}");
        }
        var deadLetterAttributes = await AttributesAsync(deadLetterUrl, cancellationToken);
        if (deadLetterAttributes.GetValueOrDefault(QueueAttributeName.FifoQueue) == "true")
            throw new SetupConflictException($"queue sqs://{deadLetterName} exists as a FIFO queue; the dead letters of a standard queue need a standard queue");

        var wanted = new Dictionary<string, string>
        {
            [QueueAttributeName.VisibilityTimeout] = ((int)options.VisibilityTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            [QueueAttributeName.RedrivePolicy] = new RedrivePolicy(
                deadLetterAttributes[QueueAttributeName.QueueArn], options.MaxReceiveCount).ToJson(),
        };
        var queueUrl = queue.QueueUrl ?? await FindQueueAsync(queue.QueueName, cancellationToken);
        if (queueUrl is null)
        {
            await CreateQueueAsync(queue.QueueName, wanted, cancellationToken);
            created.Add($"queue {queue} (dead letters to sqs://{deadLetterName} after {options.MaxReceiveCount} receives)");
        }
        else
        {
            CheckCompatible(queue, await AttributesAsync(queueUrl, cancellationToken), wanted);
        }
        return new SetupReport(created);
    }

    private static void CheckCompatible(SqsQueueLocation queue, Dictionary<string, string> existing, Dictionary<string, string> wanted)
    {
        var differences = new List<string>();
        if (existing.GetValueOrDefault(QueueAttributeName.FifoQueue) == "true")
            differences.Add("it is a FIFO queue (a standard queue is needed)");
        var visibility = existing.GetValueOrDefault(QueueAttributeName.VisibilityTimeout);
        if (visibility != wanted[QueueAttributeName.VisibilityTimeout])
            differences.Add($"VisibilityTimeout is {visibility} s (setup wants {wanted[QueueAttributeName.VisibilityTimeout]} s)");
        var redrive = RedrivePolicy.Parse(existing.GetValueOrDefault(QueueAttributeName.RedrivePolicy));
        var wantedRedrive = RedrivePolicy.Parse(wanted[QueueAttributeName.RedrivePolicy])!;
        if (redrive != wantedRedrive)
            differences.Add(redrive is null
                ? $"it has no RedrivePolicy (setup wants {wantedRedrive.TargetQueueName} after {wantedRedrive.MaxReceiveCount} receives)"
                : $"its RedrivePolicy sends to {redrive.TargetQueueName} after {redrive.MaxReceiveCount} receives " +
                  $"(setup wants {wantedRedrive.TargetQueueName} after {wantedRedrive.MaxReceiveCount})");
        if (differences.Count > 0)
            throw new SetupConflictException(
                $"queue {queue} already exists with other settings: {string.Join("; ", differences)}. Change or delete it, or choose another queue name.");
    }

    private async Task<bool> EnsureBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        try
        {
            await s3.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket }, cancellationToken);
            return false;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket, UseClientRegion = true }, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new SetupConflictException($"bucket s3://{bucket} exists but these credentials may not use it (it may belong to another account)");
        }
    }

    private async Task<string?> FindQueueAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await sqs.GetQueueUrlAsync(name, cancellationToken)).QueueUrl;
        }
        catch (QueueDoesNotExistException)
        {
            return null;
        }
    }

    private async Task<string> CreateQueueAsync(string name, Dictionary<string, string> attributes, CancellationToken cancellationToken) =>
        (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Attributes = attributes }, cancellationToken)).QueueUrl;

    private async Task<Dictionary<string, string>> AttributesAsync(string queueUrl, CancellationToken cancellationToken) =>
        (await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
        {
            QueueUrl = queueUrl,
            AttributeNames = [QueueAttributeName.All],
        }, cancellationToken)).Attributes ?? [];
}
