namespace AkkaIngestion.Tests.Downloading;

/// <summary>
/// A response body served from bytes in reads of at most <paramref name="readSize"/>, that records whether it was read
/// and can hold a read at a given position (<see cref="HoldAt"/>) until the reader's token is cancelled.
/// </summary>
public sealed class FakeBody(byte[] bytes, int readSize = 64 * 1024) : Stream
{
    private readonly TaskCompletionSource _heldReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _position;

    /// <summary>Once this many bytes were served, the next read waits until its token is cancelled.</summary>
    public long? HoldAt { get; init; }

    public bool WasRead { get; private set; }

    /// <summary>Completes when a read reached <see cref="HoldAt"/>.</summary>
    public Task HeldReached => _heldReached.Task;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        WasRead = true;
        if (HoldAt is long hold && _position >= hold)
        {
            _heldReached.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        var limit = HoldAt is long h && _position < h ? h : bytes.Length;
        var count = (int)Math.Min(Math.Min(buffer.Length, readSize), limit - _position);
        bytes.AsMemory((int)_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");
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
