using System.Buffers;
using System.Security.Cryptography;
using AkkaIngestion.Storage;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace AkkaIngestion.Storage;

/// <summary>
/// Buffers what is written into pooled part-sized buffers. A body that fits in one part becomes one PutObject with its
/// record in the metadata; a larger one becomes a multipart upload with a few parts in flight, and its record is
/// written after completion by the store (<see cref="Published"/>: the sha256 is only known at the end, and S3 takes
/// metadata only when an upload starts).
/// </summary>
internal sealed class S3ObjectUpload : IObjectUpload
{
    private const string OctetStream = "application/octet-stream";

    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _key;
    private readonly int _partSize;
    private readonly ILogger _logger;
    private readonly ArrayPool<byte> _buffers;
    private readonly SemaphoreSlim _partSlots;
    private readonly CancellationTokenSource _abandon = new();
    private readonly IncrementalHash _bodyHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<Task<PartETag>> _parts = [];
    private readonly Published _published;

    private byte[]? _filling;
    private int _filled;
    private long _length;
    private string? _uploadId;
    private Exception? _partFailure;
    private bool _commitStarted;
    private bool _committed;
    private bool _disposed;

    /// <summary>Tells the store an object is in place, with the ETag S3 gave it and whether its record still has to be kept.</summary>
    public delegate Task Published(ObjectRecord record, string objectETag, bool multipart, CancellationToken cancellationToken);

    public S3ObjectUpload(IAmazonS3 s3, string bucket, string key, int partSize, int partsInFlight, ArrayPool<byte> buffers, ILogger logger,
        Published published)
    {
        _published = published;
        _buffers = buffers;
        _s3 = s3;
        _bucket = bucket;
        _key = key;
        _partSize = partSize;
        _logger = logger;
        _partSlots = new SemaphoreSlim(partsInFlight, partsInFlight);
        Content = new PartBufferingStream(this);
    }

    public Stream Content { get; }

    public async Task CommitAsync(ObjectRecord record, CancellationToken cancellationToken)
    {
        ThrowIfFinishedOrFailed();
        // The body hash is consumed below: a failed commit cannot be retried, only disposed (which aborts).
        _commitStarted = true;
        var sha256 = Convert.ToHexStringLower(_bodyHash.GetHashAndReset());
        if (_length != record.Size || !string.Equals(sha256, record.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"upload of {_key}: {_length} bytes with sha256 {sha256} were written, but the record says {record.Size} bytes with sha256 {record.Sha256}");

        if (_uploadId is null) await PutWholeAsync(record, sha256, cancellationToken);
        else await CompleteMultipartAsync(record, cancellationToken);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_committed) await _abandon.CancelAsync();
        try
        {
            await Task.WhenAll(_parts);
        }
        catch
        {
            // Failed or cancelled parts are part of what is being abandoned; the abort below discards them.
        }
        if (_uploadId is { } uploadId) await AbortAsync(uploadId);
        ReturnFillingBuffer();
        _bodyHash.Dispose();
        _partSlots.Dispose();
        _abandon.Dispose();
    }

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ThrowIfFinishedOrFailed();
        while (!data.IsEmpty)
        {
            // A full buffer is sent only once more bytes arrive: until then the body may still fit a single PutObject.
            if (_filling is not null && _filled == _partSize) await SendFillingPartAsync(cancellationToken);
            _filling ??= _buffers.Rent(_partSize);
            var take = Math.Min(data.Length, _partSize - _filled);
            data.Span[..take].CopyTo(_filling.AsSpan(_filled));
            _bodyHash.AppendData(data.Span[..take]);
            _filled += take;
            _length += take;
            data = data[take..];
        }
    }

    private async Task SendFillingPartAsync(CancellationToken cancellationToken)
    {
        if (_parts.Count == S3Limits.MaxParts)
            throw new InvalidOperationException(
                $"upload of {_key}: more than {S3Limits.MaxParts} parts of {_partSize} bytes; pass the expected length to BeginUploadAsync");
        // Bounded memory: a writer waits here while the parts in flight hold every slot.
        await _partSlots.WaitAsync(cancellationToken);
        try
        {
            _uploadId ??= (await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
            {
                BucketName = _bucket,
                Key = _key,
                ContentType = OctetStream,
                ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            }, cancellationToken)).UploadId;
        }
        catch
        {
            _partSlots.Release();
            throw;
        }
        var buffer = _filling!;
        var length = _filled;
        _filling = null;
        _filled = 0;
        _parts.Add(SendPartAsync(_uploadId, _parts.Count + 1, buffer, length));
    }

    private async Task<PartETag> SendPartAsync(string uploadId, int partNumber, byte[] buffer, int length)
    {
        try
        {
            var checksum = Convert.ToBase64String(SHA256.HashData(buffer.AsSpan(0, length)));
            var response = await _s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = _bucket,
                Key = _key,
                UploadId = uploadId,
                PartNumber = partNumber,
                InputStream = new MemoryStream(buffer, 0, length, writable: false),
                ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
                ChecksumSHA256 = checksum,
            }, _abandon.Token);
            return new PartETag { PartNumber = partNumber, ETag = response.ETag, ChecksumSHA256 = checksum };
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _partFailure, e, null);
            throw;
        }
        finally
        {
            _buffers.Return(buffer);
            _partSlots.Release();
        }
    }

    private async Task PutWholeAsync(ObjectRecord record, string sha256, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = _bucket,
            Key = _key,
            InputStream = new MemoryStream(_filling ?? [], 0, _filled, writable: false),
            ContentType = OctetStream,
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            ChecksumSHA256 = Convert.ToBase64String(Convert.FromHexString(sha256)),
            // The body is in memory: one signed payload instead of a signature per chunk.
            UseChunkEncoding = false,
        };
        ObjectRecordMetadata.Write(request.Metadata, record);
        var response = await _s3.PutObjectAsync(request, cancellationToken);
        await _published(record, response.ETag, multipart: false, cancellationToken);
    }

    private async Task CompleteMultipartAsync(ObjectRecord record, CancellationToken cancellationToken)
    {
        if (_filled > 0) await SendFillingPartAsync(cancellationToken);
        var parts = await Task.WhenAll(_parts);
        var completed = await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = _bucket,
            Key = _key,
            UploadId = _uploadId,
            PartETags = [.. parts],
        }, cancellationToken);
        _uploadId = null;
        await _published(record, completed.ETag, multipart: true, cancellationToken);
    }

    private async Task AbortAsync(string uploadId)
    {
        try
        {
            await _s3.AbortMultipartUploadAsync(_bucket, _key, uploadId, CancellationToken.None);
        }
        catch (Exception e)
        {
            // Left for AbortStaleUploadsAsync (or a bucket lifecycle rule); the upload was never visible.
            _logger.LogWarning(e, "could not abort multipart upload {UploadId} of {Key} in {Bucket}", uploadId, _key, _bucket);
        }
    }

    private void ThrowIfFinishedOrFailed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_commitStarted) throw new InvalidOperationException($"upload of {_key} is already committed (or its commit failed)");
        if (Volatile.Read(ref _partFailure) is { } failure)
            throw new IOException($"upload of {_key} failed: part upload: {failure.Message}", failure);
    }

    private void ReturnFillingBuffer()
    {
        if (_filling is null) return;
        _buffers.Return(_filling);
        _filling = null;
    }

    /// <summary>The write side handed to the downloader; everything it does goes to the upload.</summary>
    private sealed class PartBufferingStream(S3ObjectUpload upload) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => upload._length;

        public override long Position
        {
            get => upload._length;
            set => throw new NotSupportedException();
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            upload.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            upload.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // Synchronous writers block while parts are in flight; the pipeline itself writes asynchronously.
        public override void Write(byte[] buffer, int offset, int count) =>
            upload.WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

        // Parts other than the last must be at least 5 MiB, so a flush cannot send anything early.
        public override void Flush() { }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
