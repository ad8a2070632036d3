using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.IO.Hashing;
using AkkaIngestion.Feeds;

namespace AkkaIngestion.ArchiveSim;

/// <summary>One hour file the generator made sure of.</summary>
/// <param name="Written">False when an identical file was already there and was kept.</param>
public sealed record GeneratedFile(DateTime Hour, string Name, string Path, long Length, bool Written);

/// <summary>
/// Writes synthetic hour files: valid gzip streams of exactly the asked size (from about 60 bytes up), whose content is
/// a pure function of the hour and the size. The payload is pseudo-random bytes in stored (uncompressed) deflate
/// blocks, so writing and inflating both run at memory speed.
/// </summary>
public static class ArchiveGenerator
{
    private const int MaxStoredBlock = ushort.MaxValue;
    private const int StoredBlockHeaderLength = 5;
    private const int TrailerLength = 8;
    private const string CommentPrefix = "akka-ingestion archive-sim v1";

    /// <summary>Writes one file per UTC hour from <paramref name="fromHour"/> to <paramref name="toHour"/> inclusive, except <paramref name="missingHours"/>.</summary>
    /// <param name="sizeBytes">Size of each file on disk; below the gzip framing (about 60 bytes) the file is that framing.</param>
    /// <param name="naming">File names; GH Archive's when null.</param>
    public static IReadOnlyList<GeneratedFile> Generate(string root, DateTime fromHour, DateTime toHour, long sizeBytes,
        IReadOnlyCollection<DateTime> missingHours, HourFileNaming? naming = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        ArgumentNullException.ThrowIfNull(missingHours);
        ArgumentOutOfRangeException.ThrowIfNegative(sizeBytes);
        var first = ArchiveHour.Truncate(fromHour);
        var last = ArchiveHour.Truncate(toHour);
        if (last < first)
            throw new ArgumentException($"the last hour {ArchiveHour.Display(last)} is before the first {ArchiveHour.Display(first)}", nameof(toHour));
        naming ??= HourFileNaming.GhArchive;
        var skipped = missingHours.Select(ArchiveHour.Truncate).ToHashSet();
        Directory.CreateDirectory(root);

        var files = new List<GeneratedFile>();
        foreach (var hour in ArchiveHour.Range(first, last))
        {
            if (skipped.Contains(hour)) continue;
            var name = naming.NameOf(hour);
            var path = Path.Combine(root, name);
            var header = GzipHeader(hour, sizeBytes);
            var written = !IsAlreadyThere(path, header, sizeBytes);
            if (written) WriteFile(path, hour, header, sizeBytes, cancellationToken);
            files.Add(new GeneratedFile(hour, name, path, new FileInfo(path).Length, written));
        }
        return files;
    }

    /// <summary>
    /// The header names the generator version, hour and size, which fix every byte; so a file of the right length with
    /// the right header is the file we would write. (A same-length edit inside the body is not noticed: delete such a file.)
    /// </summary>
    private static bool IsAlreadyThere(string path, byte[] header, long sizeBytes)
    {
        var existing = new FileInfo(path);
        if (!existing.Exists || existing.Length != FileLength(header.Length, sizeBytes)) return false;
        using var stream = existing.OpenRead();
        var start = new byte[header.Length];
        return stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false) == start.Length && start.AsSpan().SequenceEqual(header);
    }

    private static void WriteFile(string path, DateTime hour, byte[] header, long sizeBytes, CancellationToken cancellationToken)
    {
        // Written beside the target and moved into place, so a server or a reader never sees half a file.
        var temporary = path + ".partial";
        try
        {
            WriteGzip(temporary, hour, header, sizeBytes, cancellationToken);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        // GH Archive publishes an hour shortly after it ends; a fixed time also keeps ETag and Last-Modified stable.
        File.SetLastWriteTimeUtc(temporary, hour.AddHours(1));
        File.Move(temporary, path, overwrite: true);
    }

    private static void WriteGzip(string temporary, DateTime hour, byte[] header, long sizeBytes, CancellationToken cancellationToken)
    {
        var (payloadLength, blockCount) = Layout(header.Length, sizeBytes);
        using var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        output.Write(header);
        var random = new Xoshiro256StarStar((ulong)hour.Ticks ^ (ulong)sizeBytes * 0x9E3779B97F4A7C15UL);
        var crc = new Crc32();
        var block = new byte[StoredBlockHeaderLength + MaxStoredBlock + sizeof(ulong)];
        var remaining = payloadLength;
        for (long index = 0; index < blockCount; index++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Spreads the payload over exactly blockCount blocks, so the file length is exact even when the last is short.
            var blocksLeft = blockCount - index;
            var length = (int)((remaining + blocksLeft - 1) / blocksLeft);
            block[0] = (byte)(blocksLeft == 1 ? 1 : 0); // BFINAL on the last block, BTYPE 00 (stored).
            BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(1), (ushort)length);
            BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(3), (ushort)~length);
            var data = block.AsSpan(StoredBlockHeaderLength, length);
            random.Fill(block.AsSpan(StoredBlockHeaderLength, (length + 7) & ~7));
            crc.Append(data);
            output.Write(block, 0, StoredBlockHeaderLength + length);
            remaining -= length;
        }
        Span<byte> trailer = stackalloc byte[TrailerLength];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc.GetCurrentHashAsUInt32());
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], (uint)payloadLength);
        output.Write(trailer);
    }

    private static long FileLength(int headerLength, long sizeBytes)
    {
        var (payloadLength, blockCount) = Layout(headerLength, sizeBytes);
        return headerLength + blockCount * StoredBlockHeaderLength + payloadLength + TrailerLength;
    }

    /// <summary>How much payload, in how many stored blocks, makes a file of <paramref name="sizeBytes"/>.</summary>
    private static (long PayloadLength, long BlockCount) Layout(int headerLength, long sizeBytes)
    {
        var room = sizeBytes - headerLength - TrailerLength;
        if (room <= StoredBlockHeaderLength) return (0, 1);
        var blockCount = (room + StoredBlockHeaderLength + MaxStoredBlock - 1) / (StoredBlockHeaderLength + MaxStoredBlock);
        return (room - blockCount * StoredBlockHeaderLength, blockCount);
    }

    /// <summary>RFC 1952 member header with FCOMMENT set, MTIME at the end of the hour.</summary>
    private static byte[] GzipHeader(DateTime hour, long sizeBytes)
    {
        var comment = Encoding.ASCII.GetBytes($"{CommentPrefix} {ArchiveHour.Display(hour)} {sizeBytes}\0");
        var header = new byte[10 + comment.Length];
        header[0] = 0x1f;
        header[1] = 0x8b;
        header[2] = 8; // deflate
        header[3] = 0x10; // FCOMMENT
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)new DateTimeOffset(hour.AddHours(1)).ToUnixTimeSeconds());
        header[8] = 0;
        header[9] = 255; // operating system unknown
        comment.CopyTo(header, 10);
        return header;
    }

    /// <summary>xoshiro256** (Blackman and Vigna): a few cycles per 8 bytes, the same sequence on every machine.</summary>
    private struct Xoshiro256StarStar
    {
        private ulong s0, s1, s2, s3;

        public Xoshiro256StarStar(ulong seed)
        {
            s0 = SplitMix(ref seed);
            s1 = SplitMix(ref seed);
            s2 = SplitMix(ref seed);
            s3 = SplitMix(ref seed);
        }

        /// <summary>Fills whole 8-byte words; the span's length must be a multiple of 8.</summary>
        public void Fill(Span<byte> destination)
        {
            foreach (ref var word in MemoryMarshal.Cast<byte, ulong>(destination))
            {
                var result = BitOperations.RotateLeft(s1 * 5, 7) * 9;
                var t = s1 << 17;
                s2 ^= s0;
                s3 ^= s1;
                s1 ^= s2;
                s0 ^= s3;
                s2 ^= t;
                s3 = BitOperations.RotateLeft(s3, 45);
                word = result;
            }
        }

        private static ulong SplitMix(ref ulong state)
        {
            var z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
