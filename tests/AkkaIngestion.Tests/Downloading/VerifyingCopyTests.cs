using System.Security.Cryptography;
using System.Text;
using AkkaIngestion.Downloading;
using Xunit;

namespace AkkaIngestion.Tests.Downloading;

public sealed class VerifyingCopyTests
{
    private static readonly TimeSpan NoStall = TimeSpan.FromSeconds(10);

    private static async Task<(VerifiedCopy Copy, byte[] Written)> CopyAsync(byte[] body, long? announced = null, int readSize = 64 * 1024)
    {
        var destination = new MemoryStream();
        var copy = await VerifyingCopy.CopyAsync(new FakeBody(body, readSize), announced ?? body.Length, destination, NoStall, CancellationToken.None);
        return (copy, destination.ToArray());
    }

    [Theory]
    [InlineData(64 * 1024)]
    [InlineData(7)]
    public async Task A_complete_body_is_copied_byte_for_byte_with_its_sha256(int readSize)
    {
        var body = readSize < 100 ? GzipData.Compress(GzipData.JsonLines(300)) : GzipData.File();

        var (copy, written) = await CopyAsync(body, readSize: readSize);

        Assert.Equal(body, written);
        Assert.Equal(body.Length, copy.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), copy.Sha256);
    }

    [Fact]
    public async Task Several_gzip_members_one_after_another_are_one_valid_body()
    {
        var body = GzipData.Concat(GzipData.File(1), GzipData.Compress([]), GzipData.Compress(Encoding.UTF8.GetBytes("{}\n")), GzipData.File(2));

        var (copy, written) = await CopyAsync(body);

        Assert.Equal(body, written);
        Assert.Equal(body.Length, copy.Bytes);
    }

    [Fact]
    public async Task A_body_without_a_length_is_verified_by_its_gzip_framing_alone()
    {
        var body = GzipData.File();
        var destination = new MemoryStream();

        var copy = await VerifyingCopy.CopyAsync(new FakeBody(body), announcedLength: null, destination, NoStall, CancellationToken.None);

        Assert.Equal(body.Length, copy.Bytes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(1000)]
    [InlineData(-1)] // half
    public async Task A_body_cut_off_inside_a_member_fails(int bytesCut)
    {
        var whole = GzipData.File();
        var cut = whole[..(bytesCut < 0 ? whole.Length / 2 : whole.Length - bytesCut)];

        // Announced as what arrives, as a server whose file was itself cut off would.
        await Assert.ThrowsAsync<InvalidDataException>(() => CopyAsync(cut));
    }

    [Fact]
    public async Task A_second_member_cut_off_fails()
    {
        var second = GzipData.File(2);
        var body = GzipData.Concat(GzipData.File(1), second[..(second.Length - 3)]);

        await Assert.ThrowsAsync<InvalidDataException>(() => CopyAsync(body));
    }

    [Fact]
    public async Task A_corrupt_crc_fails()
    {
        var body = GzipData.File();
        body[^6] ^= 0x01; // inside the CRC-32 of the trailer

        await Assert.ThrowsAsync<InvalidDataException>(() => CopyAsync(body));
    }

    [Fact]
    public async Task A_corrupt_length_in_the_trailer_fails()
    {
        var body = GzipData.File();
        body[^2] ^= 0x01; // inside ISIZE

        await Assert.ThrowsAsync<InvalidDataException>(() => CopyAsync(body));
    }

    [Theory]
    [InlineData("<html>oops</html>")]
    [InlineData("\0\0\0\0")]
    [InlineData("x")]
    public async Task Bytes_after_the_last_member_fail(string garbage)
    {
        var body = GzipData.Concat(GzipData.File(), Encoding.ASCII.GetBytes(garbage));

        await Assert.ThrowsAsync<InvalidDataException>(() => CopyAsync(body));
    }

    [Fact]
    public async Task An_html_error_page_served_with_status_200_fails()
    {
        var page = Encoding.UTF8.GetBytes("<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => CopyAsync(page));
        Assert.Contains("not valid gzip", error.Message);
    }

    [Fact]
    public async Task An_empty_body_fails()
    {
        await Assert.ThrowsAsync<InvalidDataException>(() => CopyAsync([]));
    }

    [Fact]
    public async Task Fewer_bytes_than_announced_fail()
    {
        var body = GzipData.File();

        var error = await Assert.ThrowsAsync<IOException>(() => CopyAsync(body, announced: body.Length + 10));
        Assert.Contains($"after {body.Length} of the {body.Length + 10} bytes announced", error.Message);
    }

    [Fact]
    public async Task More_bytes_than_announced_fail()
    {
        var body = GzipData.File();

        var error = await Assert.ThrowsAsync<IOException>(() => CopyAsync(body, announced: body.Length - 10));
        Assert.Contains("longer than", error.Message);
    }

    [Fact]
    public async Task A_read_that_stalls_fails_after_the_stall_timeout()
    {
        var body = GzipData.File();
        var stalling = new FakeBody(body) { HoldAt = body.Length / 2 };

        var error = await Assert.ThrowsAsync<TimeoutException>(() => VerifyingCopy.CopyAsync(
            stalling, body.Length, new MemoryStream(), TimeSpan.FromMilliseconds(200), CancellationToken.None));
        Assert.Contains("stalled", error.Message);
    }

    [Fact]
    public async Task A_slow_but_steady_body_is_not_a_stall()
    {
        var body = GzipData.Compress(GzipData.JsonLines(200));
        var slowDestination = new SlowStream(TimeSpan.FromMilliseconds(150));

        var copy = await VerifyingCopy.CopyAsync(new FakeBody(body, readSize: body.Length / 3 + 1), body.Length, slowDestination,
            TimeSpan.FromMilliseconds(100), CancellationToken.None);

        Assert.Equal(body.Length, copy.Bytes);
    }

    [Fact]
    public async Task Cancellation_is_reported_as_cancellation_not_as_a_stall()
    {
        var body = GzipData.File();
        var held = new FakeBody(body) { HoldAt = 1000 };
        using var cancel = new CancellationTokenSource();

        var copying = VerifyingCopy.CopyAsync(held, body.Length, new MemoryStream(), NoStall, cancel.Token);
        await held.HeldReached.WaitAsync(TimeSpan.FromSeconds(5));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copying);
    }

    /// <summary>A destination whose every write takes a while (a slow disk), to tell writing apart from the source stalling.</summary>
    private sealed class SlowStream(TimeSpan perWrite) : MemoryStream
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(perWrite, cancellationToken);
            await base.WriteAsync(buffer, cancellationToken);
        }
    }
}
