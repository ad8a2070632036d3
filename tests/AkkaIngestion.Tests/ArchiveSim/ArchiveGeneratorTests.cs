using System.IO.Compression;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.Feeds;
using Xunit;

namespace AkkaIngestion.Tests.ArchiveSim;

public sealed class ArchiveGeneratorTests : IDisposable
{
    private readonly TemporaryDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static DateTime Hour(int year, int month, int day, int hour) => new(year, month, day, hour, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Writes_one_named_file_per_hour_across_a_leap_day_skipping_missing_hours()
    {
        var files = ArchiveGenerator.Generate(temp.Path, Hour(2024, 2, 29, 21), Hour(2024, 3, 1, 1), 4096,
            [Hour(2024, 2, 29, 22)]);

        string[] expected =
            ["2024-02-29-21.json.gz", "2024-02-29-23.json.gz", "2024-03-01-0.json.gz", "2024-03-01-1.json.gz"];
        Assert.Equal(expected, files.Select(file => file.Name));
        Assert.Equal(expected, Directory.GetFiles(temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(files, file => Assert.True(file.Written));
        Assert.All(files, file => Assert.Equal(HourFileNaming.GhArchive.NameOf(file.Hour), file.Name));
    }

    [Theory]
    [InlineData(2023, 12, 31, 23, "2023-12-31-23.json.gz", "2024-01-01-0.json.gz")]
    [InlineData(2023, 4, 30, 23, "2023-04-30-23.json.gz", "2023-05-01-0.json.gz")]
    [InlineData(2023, 2, 28, 23, "2023-02-28-23.json.gz", "2023-03-01-0.json.gz")]
    public void Month_and_year_ends_roll_over(int year, int month, int day, int hour, string last, string next)
    {
        var from = Hour(year, month, day, hour);

        var files = ArchiveGenerator.Generate(temp.Path, from, from.AddHours(1), 1024, []);

        Assert.Equal([last, next], files.Select(file => file.Name));
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(65_600)]
    [InlineData(131_081)]
    [InlineData(1_000_000)]
    [InlineData(3 * 1024 * 1024 + 7)]
    public void Each_file_is_a_complete_gzip_stream_of_exactly_the_asked_size(long size)
    {
        var file = ArchiveGenerator.Generate(temp.Path, Hour(2015, 1, 1, 15), Hour(2015, 1, 1, 15), size, []).Single();

        Assert.Equal(size, new FileInfo(file.Path).Length);
        Assert.Equal(size, file.Length);
        var inflated = Inflate(file.Path);
        Assert.InRange(inflated, size - 100 - size / 10_000, size);
    }

    [Fact]
    public void Sizes_around_stored_block_boundaries_are_exact_and_valid()
    {
        var sizes = Enumerable.Range(80, 30).Concat(Enumerable.Range(65_560, 40)).Concat(Enumerable.Range(131_100, 40));
        var hour = Hour(2020, 6, 1, 0);

        Assert.All(sizes, size =>
        {
            var file = ArchiveGenerator.Generate(temp.Path, hour, hour, size, []).Single();
            Assert.Equal(size, new FileInfo(file.Path).Length);
            Inflate(file.Path);
        });
        var framingOnly = ArchiveGenerator.Generate(temp.Path, hour, hour, 10, []).Single();
        Assert.Equal(0, Inflate(framingOnly.Path));
    }

    [Fact]
    public void The_checksum_is_real_so_a_flipped_byte_fails_to_inflate()
    {
        var file = ArchiveGenerator.Generate(temp.Path, Hour(2015, 1, 1, 15), Hour(2015, 1, 1, 15), 200_000, []).Single();
        var bytes = File.ReadAllBytes(file.Path);
        bytes[100_000] ^= 0x01;
        File.WriteAllBytes(file.Path, bytes);

        Assert.ThrowsAny<InvalidDataException>(() => Inflate(file.Path));
    }

    [Fact]
    public void Content_is_the_same_for_the_same_hour_and_differs_between_hours()
    {
        var first = temp.Combine("first");
        var second = temp.Combine("second");
        var from = Hour(2019, 5, 5, 5);

        var a = ArchiveGenerator.Generate(first, from, from.AddHours(1), 300_000, []);
        var b = ArchiveGenerator.Generate(second, from, from.AddHours(1), 300_000, []);

        Assert.Equal(File.ReadAllBytes(a[0].Path), File.ReadAllBytes(b[0].Path));
        Assert.Equal(File.ReadAllBytes(a[1].Path), File.ReadAllBytes(b[1].Path));
        Assert.NotEqual(File.ReadAllBytes(a[0].Path)[100..1000], File.ReadAllBytes(a[1].Path)[100..1000]);
        Assert.Equal(from.AddHours(1), File.GetLastWriteTimeUtc(a[0].Path));
    }

    [Fact]
    public void Running_again_keeps_identical_files_and_rewrites_ones_that_differ()
    {
        var from = Hour(2019, 5, 5, 5);
        var first = ArchiveGenerator.Generate(temp.Path, from, from.AddHours(2), 100_000, []);
        File.WriteAllBytes(first[1].Path, new byte[100_000]);

        var again = ArchiveGenerator.Generate(temp.Path, from, from.AddHours(2), 100_000, []);
        var resized = ArchiveGenerator.Generate(temp.Path, from, from, 50_000, []).Single();

        Assert.Equal([false, true, false], again.Select(file => file.Written));
        Inflate(again[1].Path);
        Assert.True(resized.Written);
        Assert.Equal(50_000, new FileInfo(resized.Path).Length);
        Assert.Empty(Directory.GetFiles(temp.Path, "*.partial"));
    }

    [Fact]
    public void A_cancelled_run_leaves_no_partial_file_behind()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            ArchiveGenerator.Generate(temp.Path, Hour(2020, 1, 1, 0), Hour(2020, 1, 1, 0), 1_000_000, [], cancellationToken: cancelled.Token));

        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void The_last_hour_before_the_first_is_refused()
    {
        Assert.Throws<ArgumentException>(() =>
            ArchiveGenerator.Generate(temp.Path, Hour(2020, 1, 2, 0), Hour(2020, 1, 1, 23), 1024, []));
    }

    [Fact]
    public async Task Generated_files_are_served_byte_for_byte()
    {
        var files = ArchiveGenerator.Generate(temp.Path, Hour(2015, 1, 1, 0), Hour(2015, 1, 1, 2), 2_000_000, []);
        await using var server = await ArchiveSimServer.StartAsync(new ArchiveSimOptions { Root = temp.Path });
        using var http = new HttpClient();

        foreach (var file in files)
            Assert.Equal(File.ReadAllBytes(file.Path), await http.GetByteArrayAsync(new Uri(server.BaseUrl, file.Name)));
        Assert.Equal(3 * 2_000_000, server.Stats.BytesSent);
    }

    private static long Inflate(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = gzip.Read(buffer)) > 0) total += read;
        return total;
    }
}
