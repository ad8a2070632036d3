using System.Text.Json;
using System.Text.Json.Serialization;

namespace AkkaIngestion.Storage;

/// <summary>
/// The <see cref="ObjectRecord"/> of a multipart object, kept as a small JSON object of its own under
/// <c>records/</c>. S3 takes metadata only when an upload starts, before the SHA-256 is known; adding it afterwards
/// means copying the object onto itself, which reads and writes every byte a second time. The sidecar names the ETag
/// of the object it describes, so a sidecar left from an earlier upload of the key is never trusted.
/// </summary>
internal static class ObjectRecordSidecar
{
    public const string Folder = "records/";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The sidecar's key for an object's key, both relative to the store's root.</summary>
    public static string KeyFor(string objectKey) => Folder + objectKey + ".json";

    /// <summary>True for an ETag S3 gives a multipart object ("md5-of-md5s-partcount"): its record is in a sidecar.</summary>
    public static bool IsMultipartETag(string? etag) => etag is not null && etag.Trim('"').Contains('-');

    public static string Write(ObjectRecord record, string objectETag) =>
        JsonSerializer.Serialize(new Sidecar(record.Size, record.Sha256.ToLowerInvariant(), record.SourceETag, record.StoredAt, objectETag), Json);

    /// <summary>The record, or null when the text is unreadable or describes another object than the one listed.</summary>
    public static ObjectRecord? Read(string text, long objectSize, string objectETag)
    {
        Sidecar? sidecar;
        try
        {
            sidecar = JsonSerializer.Deserialize<Sidecar>(text, Json);
        }
        catch (JsonException)
        {
            return null;
        }
        if (sidecar is null || sidecar.Size != objectSize || sidecar.ObjectETag != objectETag) return null;
        if (sidecar.Sha256 is not { Length: 64 } sha256 || !sha256.All(char.IsAsciiHexDigitLower)) return null;
        return new ObjectRecord(sidecar.Size, sha256, sidecar.SourceETag, sidecar.StoredAt);
    }

    private sealed record Sidecar(long Size, string Sha256, string? SourceETag, DateTimeOffset StoredAt, string ObjectETag);
}
