using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AkkaIngestion.Feeds;
using AkkaIngestion.Storage;

namespace AkkaIngestion.Queueing;

/// <summary>
/// What the store keeps about a dead-lettered message, so an operator can see why without access to the queue.
/// Valid file names are kept at <see cref="FeedDefinition.DeadLetterKey"/>; bodies that are not file names are kept
/// under <see cref="InvalidPrefix"/> by message id, because an untrusted body must never shape a store key.
/// </summary>
/// <param name="FeedId">The feed the message named (or that was assumed), when known.</param>
/// <param name="FileName">The validated file name; null when the body was not one.</param>
/// <param name="Body">The message body as received, cut to <see cref="MaxBodyLength"/> characters.</param>
public sealed record DeadLetterRecord(
    string MessageId,
    string? FeedId,
    string? FileName,
    string Body,
    string Reason,
    int ReceiveCount,
    DateTimeOffset At)
{
    public const string InvalidPrefix = "dead-letters/invalid/";
    public const int MaxBodyLength = 1024;
    private const int MaxIdLength = 100;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static DeadLetterRecord For(QueuedFile message, FeedDefinition? feed, string? fileName, string reason, DateTimeOffset at) => new(
        message.MessageId,
        feed?.Id ?? message.FeedId,
        fileName,
        message.Body.Length > MaxBodyLength ? message.Body[..MaxBodyLength] : message.Body,
        reason,
        message.ReceiveCount,
        at);

    /// <summary>Where this record is written.</summary>
    public string Key(FeedDefinition? feed) =>
        feed is not null && FileName is not null ? feed.DeadLetterKey(FileName) : InvalidKey(MessageId);

    public static string InvalidKey(string messageId)
    {
        var safe = new string(messageId.Take(MaxIdLength).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        // Distinct ids must not share a key once sanitised, so altered ids carry a digest of the original.
        if (safe != messageId || safe.Length == 0)
            safe += "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(messageId)))[..16];
        return InvalidPrefix + safe + ".json";
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses a stored record; the error names what is wrong.</summary>
    public static bool TryParse(string json, out DeadLetterRecord? record, out string error)
    {
        record = null;
        error = "";
        try
        {
            record = JsonSerializer.Deserialize<DeadLetterRecord>(json, Json);
        }
        catch (JsonException e)
        {
            error = $"not a dead-letter record: {e.Message}";
            return false;
        }
        if (record is null || string.IsNullOrEmpty(record.MessageId) || string.IsNullOrEmpty(record.Reason) || record.Body is null)
        {
            record = null;
            error = "not a dead-letter record: messageId, body and reason are required";
            return false;
        }
        return true;
    }

    /// <summary>
    /// Every dead-letter record of the given feeds plus the invalid-message records, by key. A record that cannot be read
    /// is listed with its problem rather than hiding the others.
    /// </summary>
    public static async Task<IReadOnlyList<StoredDeadLetter>> ListAsync(
        IObjectStore store, IEnumerable<FeedDefinition> feeds, CancellationToken cancellationToken)
    {
        var prefixes = feeds.Select(feed => feed.StoreKey("dead-letters/")).Append(InvalidPrefix).Distinct().ToList();
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var prefix in prefixes)
            await foreach (var stored in store.ListAsync(prefix, cancellationToken))
                if (stored.Key.EndsWith(".json", StringComparison.Ordinal)) keys.Add(stored.Key);

        var results = new List<StoredDeadLetter>(keys.Count);
        foreach (var key in keys)
        {
            var text = await store.ReadTextAsync(key, cancellationToken);
            if (text is null) continue; // removed since it was listed
            results.Add(TryParse(text.Content, out var record, out var error)
                ? new StoredDeadLetter(key, record, null)
                : new StoredDeadLetter(key, null, error));
        }
        return results;
    }

    /// <summary>Deletes the records at <paramref name="keys"/> that exist (e.g. of redriven messages); returns how many.</summary>
    public static async Task<int> RemoveAsync(
        IObjectStore store, IEnumerable<FeedDefinition> feeds, IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        var wanted = keys.ToHashSet(StringComparer.Ordinal);
        var removed = 0;
        foreach (var stored in await ListAsync(store, feeds, cancellationToken))
        {
            if (!wanted.Contains(stored.Key)) continue;
            await store.DeleteAsync(stored.Key, cancellationToken);
            removed++;
        }
        return removed;
    }
}

/// <summary>One listed dead-letter record, or the reason it could not be read.</summary>
public sealed record StoredDeadLetter(string Key, DeadLetterRecord? Record, string? Problem);
