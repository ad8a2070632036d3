using System.Globalization;
using AkkaIngestion.Storage;
using Amazon.S3.Model;

namespace AkkaIngestion.Storage;

/// <summary>An <see cref="ObjectRecord"/> as S3 user metadata (x-amz-meta-*), which HEAD returns without the body.</summary>
internal static class ObjectRecordMetadata
{
    private const string Size = "record-size";
    private const string Sha256 = "record-sha256";
    private const string SourceETag = "record-source-etag";
    private const string StoredAt = "record-stored-at";

    public static void Write(MetadataCollection metadata, ObjectRecord record)
    {
        metadata[Size] = record.Size.ToString(CultureInfo.InvariantCulture);
        metadata[Sha256] = record.Sha256.ToLowerInvariant();
        metadata[StoredAt] = record.StoredAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
        // Source ETags are quoted and may carry any byte a server chose; headers only travel plain ASCII.
        if (record.SourceETag is { } etag) metadata[SourceETag] = Uri.EscapeDataString(etag);
    }

    /// <summary>The record, or null when it is missing, unreadable, or does not match the object's size (not trusted).</summary>
    public static ObjectRecord? Read(MetadataCollection metadata, long objectSize)
    {
        if (!long.TryParse(metadata[Size], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size != objectSize)
            return null;
        var sha256 = metadata[Sha256];
        if (sha256 is not { Length: 64 } || !sha256.All(char.IsAsciiHexDigitLower)) return null;
        if (!DateTimeOffset.TryParseExact(metadata[StoredAt], "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var storedAt))
            return null;
        var etag = metadata[SourceETag];
        return new ObjectRecord(size, sha256, string.IsNullOrEmpty(etag) ? null : Uri.UnescapeDataString(etag), storedAt);
    }
}
