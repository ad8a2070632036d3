using System.Globalization;
using System.Text.Json;

namespace AkkaIngestion.Queueing;

/// <summary>A queue's RedrivePolicy attribute: where SQS moves a message after <see cref="MaxReceiveCount"/> receives.</summary>
public sealed record RedrivePolicy(string DeadLetterTargetArn, int MaxReceiveCount)
{
    /// <summary>arn:aws:sqs:region:account:name → name.</summary>
    public string TargetQueueName => ArnPart(5);

    public string TargetAccountId => ArnPart(4);

    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["deadLetterTargetArn"] = DeadLetterTargetArn,
        ["maxReceiveCount"] = MaxReceiveCount.ToString(CultureInfo.InvariantCulture),
    });

    /// <summary>Null for an absent or empty policy; SQS writes maxReceiveCount as a number or a string.</summary>
    public static RedrivePolicy? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (!root.TryGetProperty("deadLetterTargetArn", out var arn) || arn.GetString() is not { Length: > 0 } target) return null;
        var count = root.TryGetProperty("maxReceiveCount", out var max)
            ? max.ValueKind == JsonValueKind.Number ? max.GetInt32() : int.Parse(max.GetString()!, CultureInfo.InvariantCulture)
            : 0;
        return new RedrivePolicy(target, count);
    }

    private string ArnPart(int index)
    {
        var parts = DeadLetterTargetArn.Split(':');
        if (parts.Length != 6 || parts[0] != "arn")
            throw new FormatException($"'{DeadLetterTargetArn}' is not a queue ARN (arn:aws:sqs:region:account:name)");
        return parts[index];
    }
}
