using AkkaIngestion.Aws;
using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using AkkaIngestion.Storage;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AkkaIngestion.Storage;

/// <summary>How uploads are cut into parts; the defaults suit hour files of tens to hundreds of MiB.</summary>
/// <param name="DefaultPartSize">Part size when the length is unknown (S3 allows 5 MiB to 5 GiB, 10,000 parts).</param>
/// <param name="PartsInFlight">Parts sent at once; memory per upload is about (this + 1) × part size.</param>
public sealed record S3UploadOptions(int DefaultPartSize = 8 * 1024 * 1024, int PartsInFlight = 2);

/// <summary>
/// <see cref="IObjectStore"/> on an S3 bucket (s3://bucket[/prefix]). The <see cref="ObjectRecord"/> of an object lives in
/// its user metadata (single PUT) or in a sidecar under records/ (multipart), so "already stored, identical?" takes a
/// listing of the key and one small read, never a download.
/// </summary>
public sealed class S3Store : IObjectStore
{
    private const string TextPlain = "text/plain; charset=utf-8";

    private readonly IAmazonS3 _s3;
    private readonly S3StoreLocation _location;
    private readonly S3UploadOptions _uploadOptions;
    private readonly ILogger _logger;

    /// <summary>
    /// Part buffers, shared by this store's uploads. Not ArrayPool.Shared: it keeps a returned array in a slot of the
    /// returning thread that other threads never rent from, and an upload's parts are returned by whichever thread pool
    /// thread finished the request, so part-sized arrays piled up there (measured: 206 MiB peak for one 200 MiB file).
    /// Room for many arrays per size: the pool only keeps arrays that were out at the same time, which the uploads bound
    /// (workers × (parts in flight + 1)); a pool smaller than that let every upload beyond the first few allocate fresh
    /// 8 MiB arrays, which the GC reclaimed late (measured: 1.18 GiB peak RSS for 8 workers, 4 in flight).
    /// </summary>
    private readonly ArrayPool<byte> _partBuffers;

    /// <summary>How long a listing answers "absent" for the keys it covered (<see cref="RecentListings"/>).</summary>
    public static readonly TimeSpan ListingLifetime = TimeSpan.FromSeconds(5);

    private readonly RecentListings _listings;

    public S3Store(IAmazonS3 s3, S3StoreLocation location, S3UploadOptions? uploadOptions = null, ILogger<S3Store>? logger = null,
        TimeProvider? clock = null)
    {
        _listings = new RecentListings(ListingLifetime, clock ?? TimeProvider.System);
        _s3 = s3;
        _location = location;
        _uploadOptions = uploadOptions ?? new S3UploadOptions();
        if (_uploadOptions.DefaultPartSize < S3Limits.MinPartSize || _uploadOptions.PartsInFlight < 1)
            throw new ArgumentException(
                $"upload options {_uploadOptions}: parts must be at least {S3Limits.MinPartSize} bytes and at least one in flight");
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _partBuffers = ArrayPool<byte>.Create(S3Limits.MaxPartSize, maxArraysPerBucket: 1024);
    }

    public string Location => _location.ToString();

    public async Task CheckReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _s3.HeadBucketAsync(new HeadBucketRequest { BucketName = _location.Bucket }, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new StoreUnavailableException($"store {Location} is not reachable: {Explain(e)}", e);
        }
    }

    public async Task<ObjectRecord?> GetRecordAsync(string key, CancellationToken cancellationToken)
    {
        var objectKey = ObjectKey(key);
        // Most files asked about are not stored yet. A HEAD of a missing key makes the SDK throw, through some twenty
        // async frames plus a stack trace for its telemetry: about an eighth of the CPU of a run of small files
        // (measured). A listing answers "absent" plainly, and for the keys after it too.
        if (!_listings.TryGet(objectKey, out var listed)) listed = await ListFromAsync(objectKey, cancellationToken);
        return listed is null ? null : await RecordOfAsync(key, listed, cancellationToken);
    }

    /// <summary>Lists the key's folder from the key on (up to 1,000 keys), remembers it, and returns the key's entry.</summary>
    private async Task<S3Object?> ListFromAsync(string objectKey, CancellationToken cancellationToken)
    {
        var folder = objectKey[..(objectKey.LastIndexOf('/') + 1)];
        // StartAfter is exclusive: the key less its last character sorts just before it.
        var after = objectKey[..^1];
        var page = await _s3.ListObjectsV2Async(new ListObjectsV2Request
        {
            BucketName = _location.Bucket, Prefix = folder, StartAfter = after, MaxKeys = 1000,
        }, cancellationToken);
        var objects = page.S3Objects ?? [];
        _listings.Add(folder, after, objects, page.IsTruncated == true);
        return objects.FirstOrDefault(listed => listed.Key == objectKey);
    }

    /// <summary>
    /// A listed object's record: a multipart object's is in its sidecar (<see cref="ObjectRecordSidecar"/>) when that
    /// names the object's ETag, anything else's in the object's own metadata, read with a HEAD.
    /// </summary>
    private async Task<ObjectRecord?> RecordOfAsync(string key, S3Object listed, CancellationToken cancellationToken)
    {
        if (ObjectRecordSidecar.IsMultipartETag(listed.ETag)
            && await ReadTextAsync(ObjectRecordSidecar.KeyFor(key), cancellationToken) is { } sidecar
            && ObjectRecordSidecar.Read(sidecar.Content, listed.Size ?? -1, listed.ETag) is { } record)
            return record;
        GetObjectMetadataResponse head;
        try
        {
            head = await _s3.GetObjectMetadataAsync(
                new GetObjectMetadataRequest { BucketName = _location.Bucket, Key = listed.Key }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        return ObjectRecordMetadata.Read(head.Metadata, head.ContentLength);
    }

    public Task<IObjectUpload> BeginUploadAsync(string key, long? expectedLength, CancellationToken cancellationToken)
    {
        var partSize = S3Limits.ChoosePartSize(expectedLength, _uploadOptions.DefaultPartSize);
        IObjectUpload upload = new S3ObjectUpload(
            _s3, _location.Bucket, ObjectKey(key), partSize, _uploadOptions.PartsInFlight, _partBuffers, _logger,
            (record, objectETag, multipart, ct) => PublishedAsync(key, record, objectETag, multipart, ct));
        return Task.FromResult(upload);
    }

    private async Task PublishedAsync(string key, ObjectRecord record, string objectETag, bool multipart, CancellationToken cancellationToken)
    {
        // Until the sidecar lands the object has no record, which readers treat as "not stored" (fetched again).
        if (multipart) await WriteTextAsync(ObjectRecordSidecar.KeyFor(key), ObjectRecordSidecar.Write(record, objectETag), cancellationToken);
        _listings.Stored(ObjectKey(key), record.Size, objectETag);
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _s3.GetObjectAsync(_location.Bucket, ObjectKey(key), cancellationToken);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"no object '{key}' in {Location}", key, e);
        }
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var rootLength = _location.Prefix.Length == 0 ? 0 : _location.Prefix.Length + 1;
        var request = new ListObjectsV2Request { BucketName = _location.Bucket, Prefix = _location.ObjectKey(prefix) };
        do
        {
            var page = await _s3.ListObjectsV2Async(request, cancellationToken);
            // Sidecars are the store's own bookkeeping, not objects.
            var objects = (page.S3Objects ?? [])
                .Where(listed => !listed.Key[rootLength..].StartsWith(ObjectRecordSidecar.Folder, StringComparison.Ordinal))
                .ToList();
            // Listings carry no metadata: one HEAD (or sidecar read) per object, a few at once.
            var records = new ObjectRecord?[objects.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, objects.Count),
                new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                async (index, ct) => records[index] = await RecordOfAsync(objects[index].Key[rootLength..], objects[index], ct));
            for (var i = 0; i < objects.Count; i++)
                yield return new StoredObject(objects[i].Key[rootLength..], objects[i].Size ?? 0, records[i]);
            request.ContinuationToken = page.NextContinuationToken;
        } while (request.ContinuationToken is not null);
    }

    public async Task<VersionedText?> ReadTextAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _s3.GetObjectAsync(_location.Bucket, ObjectKey(key), cancellationToken);
            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            var content = await reader.ReadToEndAsync(cancellationToken);
            return new VersionedText(content, response.ETag);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            throw new StoreUnavailableException($"store {Location} could not be read: {Explain(e)}", e);
        }
    }

    public async Task<string?> TryWriteTextAsync(string key, string content, string? expectedVersion, CancellationToken cancellationToken)
    {
        var request = TextPut(key, content);
        if (expectedVersion is null) request.IfNoneMatch = "*";
        else request.IfMatch = expectedVersion;
        try
        {
            return (await _s3.PutObjectAsync(request, cancellationToken)).ETag;
        }
        // 412: the object changed (or appeared); 409: a concurrent conditional write won; 404: If-Match on an object
        // that was deleted meanwhile. Each means another writer got there first.
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict
                                              || (e.StatusCode == HttpStatusCode.NotFound && expectedVersion is not null))
        {
            _logger.LogDebug("conditional write of {Key} in {Store} lost: {Error}", key, Location, e.Message);
            return null;
        }
    }

    public async Task WriteTextAsync(string key, string content, CancellationToken cancellationToken) =>
        await _s3.PutObjectAsync(TextPut(key, content), cancellationToken);

    public async Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        await _s3.DeleteObjectAsync(_location.Bucket, ObjectKey(key), cancellationToken);

    /// <summary>
    /// Aborts multipart uploads under this store's prefix started before <paramref name="olderThan"/> ago (left by
    /// crashed workers; S3 bills their parts until then). Returns how many were aborted.
    /// </summary>
    public async Task<int> AbortStaleUploadsAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        var cutoff = DateTime.UtcNow - olderThan;
        var aborted = 0;
        var request = new ListMultipartUploadsRequest
        {
            BucketName = _location.Bucket,
            Prefix = _location.Prefix.Length == 0 ? null : _location.Prefix + "/",
        };
        while (true)
        {
            var page = await _s3.ListMultipartUploadsAsync(request, cancellationToken);
            foreach (var upload in page.MultipartUploads ?? [])
            {
                if (upload.Initiated is not { } initiated || initiated.ToUniversalTime() >= cutoff) continue;
                await _s3.AbortMultipartUploadAsync(_location.Bucket, upload.Key, upload.UploadId, cancellationToken);
                _logger.LogInformation("aborted stale upload of {Key} in {Store}, started {Initiated:u}", upload.Key, Location, initiated);
                aborted++;
            }
            if (page.IsTruncated != true) return aborted;
            request.KeyMarker = page.NextKeyMarker;
            request.UploadIdMarker = page.NextUploadIdMarker;
        }
    }

    private string ObjectKey(string key)
    {
        if (string.IsNullOrEmpty(key) || key.StartsWith('/'))
            throw new ArgumentException($"'{key}' is not a store key (relative, '/'-separated)", nameof(key));
        return _location.ObjectKey(key);
    }

    private PutObjectRequest TextPut(string key, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        return new PutObjectRequest
        {
            BucketName = _location.Bucket,
            Key = ObjectKey(key),
            InputStream = new MemoryStream(bytes, writable: false),
            ContentType = TextPlain,
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            ChecksumSHA256 = Convert.ToBase64String(SHA256.HashData(bytes)),
            UseChunkEncoding = false,
        };
    }

    private static string Explain(Exception e) => e switch
    {
        AmazonS3Exception { StatusCode: HttpStatusCode.NotFound } => "the bucket does not exist (create it with setup)",
        AmazonS3Exception { StatusCode: HttpStatusCode.Forbidden } =>
            "access denied: the credentials in use may not list this bucket, or the bucket belongs to someone else",
        AmazonS3Exception { StatusCode: HttpStatusCode.MovedPermanently } => "the bucket is in another region than the one configured",
        _ => AwsErrors.Explain(e),
    };
}
