using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace AkkaIngestion.Downloading;

/// <summary>What a verified copy wrote: the byte count and the lower-case hex SHA-256 of those bytes.</summary>
public sealed record VerifiedCopy(long Bytes, string Sha256);

/// <summary>
/// Copies a gzip body to its destination in one pass, in pooled chunks: every chunk read from the source is written
/// and hashed, and a <see cref="GZipStream"/> pulls the same chunks to prove the body is one or more complete gzip members.
/// </summary>
public static class VerifyingCopy
{
    public const int ChunkSize = 128 * 1024;

    // GZipStream checks each member's CRC and length, but (measured on .NET 10) it returns a clean end of stream for a
    // body cut off mid-member and silently ignores bytes after the last member. So after the source's last byte a small
    // gzip member of our own is fed to the decompressor: its content comes out at the very end only if the body
    // stopped exactly at a member boundary and nothing but gzip members came before it.
    private static readonly byte[] EndMarker = Encoding.ASCII.GetBytes("AkkaIngestion: the body ended on a gzip member boundary.");
    private static readonly byte[] EndMember = Gzip(EndMarker);

    /// <summary>
    /// Copies <paramref name="body"/> to <paramref name="destination"/>; throws when the body is not what was announced:
    /// <see cref="IOException"/> when it is shorter or longer than <paramref name="announcedLength"/>,
    /// <see cref="InvalidDataException"/> when it is not complete gzip, <see cref="TimeoutException"/> when a read
    /// brings nothing for <paramref name="readStallTimeout"/>.
    /// </summary>
    public static async Task<VerifiedCopy> CopyAsync(Stream body, long? announcedLength, Stream destination,
        TimeSpan readStallTimeout, CancellationToken cancellationToken)
    {
        await using var tee = new TeeReader(body, announcedLength, destination, readStallTimeout, cancellationToken);
        var scratch = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var tail = new TailWindow(EndMarker.Length);
        try
        {
            await using var gzip = new GZipStream(tee, CompressionMode.Decompress, leaveOpen: true);
            int read;
            while ((read = await gzip.ReadAsync(scratch.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0)
                tail.Append(scratch.AsSpan(0, read));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"the body is not valid gzip after {tee.Bytes} bytes (corrupt, or not gzip at all, e.g. an error page): {e.Message}", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }

        if (tee.Bytes == 0)
            throw new InvalidDataException("the body is empty, not gzip");
        if (!tail.EndsWith(EndMarker))
            throw new InvalidDataException($"the body is not complete gzip: it is cut off inside a member or has bytes after its last member ({tee.Bytes} bytes read)");
        return new VerifiedCopy(tee.Bytes, tee.Sha256());
    }

    private static byte[] Gzip(byte[] content)
    {
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal))
            gzip.Write(content);
        return buffer.ToArray();
    }

    /// <summary>The last few bytes that came out of the decompressor.</summary>
    private sealed class TailWindow(int size)
    {
        private readonly byte[] _bytes = new byte[size];
        private int _filled;

        public void Append(ReadOnlySpan<byte> data)
        {
            if (data.Length >= size)
            {
                data[^size..].CopyTo(_bytes);
                _filled = size;
                return;
            }
            var keep = Math.Min(_filled, size - data.Length);
            _bytes.AsSpan(_filled - keep, keep).CopyTo(_bytes);
            data.CopyTo(_bytes.AsSpan(keep));
            _filled = keep + data.Length;
        }

        public bool EndsWith(ReadOnlySpan<byte> expected) => _bytes.AsSpan(0, _filled).EndsWith(expected);
    }

    /// <summary>
    /// The stream the decompressor reads: each chunk read from the source is counted, hashed and written to the
    /// destination before the decompressor sees it; after the source's end comes <see cref="EndMember"/>.
    /// </summary>
    private sealed class TeeReader : Stream
    {
        private readonly Stream _source;
        private readonly long? _announcedLength;
        private readonly Stream _destination;
        private readonly TimeSpan _readStallTimeout;
        private readonly CancellationToken _cancellationToken;
        private readonly CancellationTokenSource _stallTimer;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        private int _chunkStart;
        private int _chunkEnd;
        private bool _sourceEnded;
        private int _endMemberServed;

        public TeeReader(Stream source, long? announcedLength, Stream destination, TimeSpan readStallTimeout,
            CancellationToken cancellationToken)
        {
            _source = source;
            _announcedLength = announcedLength;
            _destination = destination;
            _readStallTimeout = readStallTimeout;
            _cancellationToken = cancellationToken;
            _stallTimer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        }

        public long Bytes { get; private set; }

        public string Sha256() => Convert.ToHexStringLower(_hash.GetHashAndReset());

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_chunkStart == _chunkEnd && !_sourceEnded)
                await FillAsync().ConfigureAwait(false);
            if (_chunkStart < _chunkEnd)
            {
                var count = Math.Min(buffer.Length, _chunkEnd - _chunkStart);
                _chunk.AsMemory(_chunkStart, count).CopyTo(buffer);
                _chunkStart += count;
                return count;
            }
            var rest = EndMember.AsMemory(_endMemberServed);
            var served = Math.Min(buffer.Length, rest.Length);
            rest[..served].CopyTo(buffer);
            _endMemberServed += served;
            return served;
        }

        private async Task FillAsync()
        {
            int read;
            _stallTimer.CancelAfter(_readStallTimeout);
            try
            {
                read = await _source.ReadAsync(_chunk.AsMemory(0, ChunkSize), _stallTimer.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!_cancellationToken.IsCancellationRequested)
            {
                throw Stalled(e);
            }
            // Stops the timer: writing the chunk to a slow destination is not the source stalling.
            if (!_stallTimer.TryReset())
            {
                _cancellationToken.ThrowIfCancellationRequested();
                throw Stalled(null);
            }

            if (read == 0)
            {
                _sourceEnded = true;
                if (_announcedLength is long announced && Bytes != announced)
                    throw new IOException($"the body ended after {Bytes} of the {announced} bytes announced");
                return;
            }
            Bytes += read;
            if (_announcedLength is long limit && Bytes > limit)
                throw new IOException($"the body is longer than the {limit} bytes announced");
            _hash.AppendData(_chunk, 0, read);
            await _destination.WriteAsync(_chunk.AsMemory(0, read), _cancellationToken).ConfigureAwait(false);
            _chunkStart = 0;
            _chunkEnd = read;
        }

        private TimeoutException Stalled(Exception? inner) =>
            new($"the body stalled: no bytes for {_readStallTimeout.TotalSeconds:0.###} s after {Bytes} bytes", inner);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) =>
            throw new NotSupportedException("the verifying copy reads asynchronously only");

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _stallTimer.Dispose();
                _hash.Dispose();
                ArrayPool<byte>.Shared.Return(_chunk);
            }
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
