using System.Text.RegularExpressions;

namespace AkkaIngestion.Aws;

/// <summary>A bucket and the folder inside it that a store's keys are relative to ("" = the bucket's root).</summary>
public sealed record S3StoreLocation(string Bucket, string Prefix)
{
    public string ObjectKey(string relativeKey) => Prefix.Length == 0 ? relativeKey : Prefix + "/" + relativeKey;

    public override string ToString() => Prefix.Length == 0 ? $"s3://{Bucket}" : $"s3://{Bucket}/{Prefix}";
}

/// <summary>A queue by name, with its URL when the user gave one (a URL can name a queue in another account).</summary>
public sealed record SqsQueueLocation(string QueueName, string? QueueUrl)
{
    public string DeadLetterQueueName => QueueName + "-dlq";

    public override string ToString() => $"sqs://{QueueName}";
}

/// <summary>Parses the <c>s3://</c> and <c>sqs://</c> locations of the command line and configuration.</summary>
public static partial class AwsLocation
{
    public static bool IsS3(string? text) => text?.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) == true;

    public static bool IsSqs(string? text) =>
        text is not null && (text.StartsWith("sqs://", StringComparison.OrdinalIgnoreCase) || LooksLikeQueueUrl(text));

    /// <summary>s3://bucket[/prefix]; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static S3StoreLocation ParseS3(string text)
    {
        if (!IsS3(text))
            throw new ArgumentException($"'{text}' is not an S3 location: expected s3://bucket[/prefix]");
        var rest = text["s3://".Length..];
        var slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (!BucketName().IsMatch(bucket) || bucket.Contains(".."))
            throw new ArgumentException(
                $"'{text}': '{bucket}' is not a valid bucket name (3-63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit)");
        if (prefix.Contains("//") || prefix.Split('/').Any(segment => segment is "." or ".."))
            throw new ArgumentException($"'{text}': the prefix '{prefix}' has an empty, '.' or '..' folder");
        return new S3StoreLocation(bucket, prefix);
    }

    /// <summary>sqs://queue-name or a full queue URL (https://sqs.region.amazonaws.com/account/name).</summary>
    public static SqsQueueLocation ParseSqs(string text)
    {
        string name;
        string? url = null;
        if (text?.StartsWith("sqs://", StringComparison.OrdinalIgnoreCase) == true)
        {
            name = text["sqs://".Length..].TrimEnd('/');
        }
        else if (text is not null && LooksLikeQueueUrl(text))
        {
            var uri = new Uri(text);
            var segments = uri.AbsolutePath.Trim('/').Split('/');
            if (segments.Length != 2)
                throw new ArgumentException($"'{text}' is not a queue URL: expected http(s)://host/account-id/queue-name");
            name = segments[1];
            url = text;
        }
        else
        {
            throw new ArgumentException($"'{text}' is not an SQS location: expected sqs://queue-name or a queue URL");
        }
        if (name.EndsWith(".fifo", StringComparison.Ordinal))
            throw new ArgumentException(
                $"'{text}': FIFO queues are not supported (files are independent jobs, none has a message group)");
        if (!QueueName().IsMatch(name))
            throw new ArgumentException(
                $"'{text}': '{name}' is not a valid queue name (1-80 letters, digits, '-' or '_'; the '-dlq' queue beside it needs 4 more)");
        return new SqsQueueLocation(name, url);
    }

    private static bool LooksLikeQueueUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath.Length > 1;

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();

    // 76, not SQS's 80: setup creates "<name>-dlq" beside the queue.
    [GeneratedRegex("^[A-Za-z0-9_-]{1,76}$")]
    private static partial Regex QueueName();
}
