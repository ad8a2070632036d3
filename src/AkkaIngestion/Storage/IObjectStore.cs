namespace AkkaIngestion.Storage;

/// <summary>
/// Where files and the bookmark are kept: a local directory or an S3 bucket. Keys use '/' separators
/// and are relative to the store's root (e.g. <c>raw/2015-01-01-15.json.gz</c>, <c>bookmark.txt</c>).
/// </summary>
public interface IObjectStore
{
    /// <summary>Human-readable location for logs and reports, e.g. <c>directory /data</c> or <c>s3://bucket/prefix</c>.</summary>
    string Location { get; }

    /// <summary>Fails with <see cref="StoreUnavailableException"/> when the store cannot be reached or written.</summary>
    Task CheckReachableAsync(CancellationToken cancellationToken);

    /// <summary>The record kept beside a published object, or null when there is no object (or no record: not trusted).</summary>
    Task<ObjectRecord?> GetRecordAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Starts writing an object. Nothing is visible under <paramref name="key"/> until <see cref="IObjectUpload.CommitAsync"/>;
    /// disposing an upload that was not committed discards what was written.
    /// </summary>
    Task<IObjectUpload> BeginUploadAsync(string key, long? expectedLength, CancellationToken cancellationToken);

    /// <summary>Reads a published object's bytes (verification, tests).</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Published objects whose keys start with <paramref name="prefix"/>, with their records when present.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>A small text object (bookmark, dead-letter record) with its version, or null when absent.</summary>
    Task<VersionedText?> ReadTextAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a small text object only if it is still at <paramref name="expectedVersion"/> (null: only if it does not exist yet).
    /// Returns the new version, or null when another writer got there first.
    /// </summary>
    Task<string?> TryWriteTextAsync(string key, string content, string? expectedVersion, CancellationToken cancellationToken);

    /// <summary>Writes a small text object whatever is there.</summary>
    Task WriteTextAsync(string key, string content, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>An object being written. Write to <see cref="Content"/>, then commit; dispose without commit to abort.</summary>
public interface IObjectUpload : IAsyncDisposable
{
    Stream Content { get; }

    /// <summary>Makes the object and its record visible at once (atomic publish).</summary>
    Task CommitAsync(ObjectRecord record, CancellationToken cancellationToken);
}

/// <summary>What is recorded beside every stored object, so "already stored, identical" needs no download.</summary>
/// <param name="Size">Bytes stored.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the stored bytes.</param>
/// <param name="SourceETag">The source's ETag when it sent one.</param>
/// <param name="StoredAt">When it was published.</param>
public sealed record ObjectRecord(long Size, string Sha256, string? SourceETag, DateTimeOffset StoredAt);

public sealed record StoredObject(string Key, long Size, ObjectRecord? Record);

public sealed record VersionedText(string Content, string Version);

public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
