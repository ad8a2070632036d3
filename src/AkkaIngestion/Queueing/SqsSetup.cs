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

/// <summary>
/// What setup did: the resources it created, none when everything was already in place; and what it could not do that
/// the node copes without (<paramref name="Notes"/>).
/// </summary>
public sealed record SetupReport(IReadOnlyList<string> Created, IReadOnlyList<string> Notes)
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
    private const string UploadCleanupRuleId = "akka-ingest-abort-incomplete-uploads";
    private const int UploadCleanupDays = 1;

    public async Task<SetupReport> EnsureAsync(
        S3StoreLocation? store, SqsQueueLocation queue, SqsSetupOptions options, CancellationToken cancellationToken)
    {
        var created = new List<string>();
        var notes = new List<string>();
        if (store is not null)
        {
            if (await EnsureBucketAsync(store.Bucket, cancellationToken)) created.Add($"bucket s3://{store.Bucket}");
            try
            {
                if (await EnsureUploadCleanupRuleAsync(store, cancellationToken))
                    created.Add($"lifecycle rule aborting uploads under {store} unfinished after {UploadCleanupDays} day");
            }
            catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotImplemented or HttpStatusCode.BadRequest)
            {
                notes.Add($"no lifecycle rule for unfinished uploads ({e.ErrorCode}: {e.Message}); a node still aborts stale ones when it starts");
            }
        }

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
        return new SetupReport(created, notes);
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

    /// <summary>
    /// S3 bills the parts of an unfinished multipart upload (a node killed mid-file) until it is aborted. A node aborts
    /// stale ones when it starts; this rule has S3 do it too when no node does. The bucket's other rules are kept.
    /// Returns whether the rule was added or changed.
    /// </summary>
    private async Task<bool> EnsureUploadCleanupRuleAsync(S3StoreLocation store, CancellationToken cancellationToken)
    {
        var prefix = store.Prefix.Length == 0 ? "" : store.Prefix + "/";
        // One rule per prefix: several stores may share a bucket.
        var id = prefix.Length == 0 ? UploadCleanupRuleId : $"{UploadCleanupRuleId}:{prefix}";
        var rules = await LifecycleRulesAsync(store.Bucket, cancellationToken);
        var existing = rules.FirstOrDefault(rule => rule.Id == id);
        if (existing is not null && existing.Status == LifecycleRuleStatus.Enabled
            && existing.AbortIncompleteMultipartUpload?.DaysAfterInitiation == UploadCleanupDays
            && (existing.Filter?.LifecycleFilterPredicate as LifecyclePrefixPredicate)?.Prefix == prefix)
            return false;
        rules.RemoveAll(rule => rule.Id == id);
        rules.Add(new LifecycleRule
        {
            Id = id,
            Status = LifecycleRuleStatus.Enabled,
            Filter = new LifecycleFilter { LifecycleFilterPredicate = new LifecyclePrefixPredicate { Prefix = prefix } },
            AbortIncompleteMultipartUpload = new LifecycleRuleAbortIncompleteMultipartUpload { DaysAfterInitiation = UploadCleanupDays },
        });
        await s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest
        {
            BucketName = store.Bucket,
            Configuration = new LifecycleConfiguration { Rules = rules },
        }, cancellationToken);
        return true;
    }

    private async Task<List<LifecycleRule>> LifecycleRulesAsync(string bucket, CancellationToken cancellationToken)
    {
        try
        {
            var response = await s3.GetLifecycleConfigurationAsync(new GetLifecycleConfigurationRequest { BucketName = bucket }, cancellationToken);
            return response.Configuration?.Rules ?? [];
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchLifecycleConfiguration")
        {
            return [];
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
