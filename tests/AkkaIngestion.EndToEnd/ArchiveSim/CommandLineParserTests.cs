using AkkaIngestion.Feeds;
using AkkaIngestion.Cli.Commands;
using Xunit;

namespace AkkaIngestion.EndToEnd.ArchiveSim;

public sealed class CommandLineParserTests
{
    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("5s", 5_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("0", 0)]
    [InlineData(" 5S ", 5_000)]
    [InlineData("00:00:05", 5_000)]
    [InlineData("00:01:00.5", 60_500)]
    public void Durations_are_read_with_units_or_as_timespans(string text, long milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration, out var error), error);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("5")]
    [InlineData("-5s")]
    [InlineData("5x")]
    [InlineData("ms")]
    [InlineData("-00:00:05")]
    [InlineData("1e400h")]
    public void Bad_durations_name_the_text(string? text)
    {
        Assert.False(DurationParser.TryParse(text, out _, out var error));
        Assert.Contains("duration", error);
    }

    [Theory]
    [InlineData("65536", 65_536)]
    [InlineData("64KiB", 65_536)]
    [InlineData("64kib", 65_536)]
    [InlineData("64MiB", 67_108_864)]
    [InlineData("1GiB", 1_073_741_824)]
    [InlineData("1.5GiB", 1_610_612_736)]
    [InlineData("100MB", 100_000_000)]
    [InlineData("2kB", 2_000)]
    [InlineData("10 B", 10)]
    [InlineData("1TiB", 1_099_511_627_776)]
    public void Sizes_are_read_with_binary_or_decimal_units(string text, long bytes)
    {
        Assert.True(SizeParser.TryParse(text, out var size, out var error), error);
        Assert.Equal(bytes, size);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("-1")]
    [InlineData("12XB")]
    [InlineData("GiB")]
    [InlineData("99999999999999999999TB")]
    public void Bad_sizes_name_the_text(string? text)
    {
        Assert.False(SizeParser.TryParse(text, out _, out var error));
        Assert.Contains("size", error);
    }
}
