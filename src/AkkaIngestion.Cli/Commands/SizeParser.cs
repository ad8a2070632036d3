using System.Globalization;

namespace AkkaIngestion.Cli.Commands;

/// <summary>
/// Reads byte counts: a plain number, or one with a unit; KiB/MiB/GiB/TiB are powers of 1024, kB/MB/GB/TB powers of 1000
/// (<c>64KiB</c>, <c>1.5GiB</c>, <c>100MB</c>). Units are case-insensitive.
/// </summary>
public static class SizeParser
{
    private static readonly (string Suffix, long Multiplier)[] Units =
    [
        ("KiB", 1L << 10),
        ("MiB", 1L << 20),
        ("GiB", 1L << 30),
        ("TiB", 1L << 40),
        ("kB", 1_000L),
        ("MB", 1_000_000L),
        ("GB", 1_000_000_000L),
        ("TB", 1_000_000_000_000L),
        ("B", 1L),
    ];

    public static bool TryParse(string? text, out long bytes, out string error)
    {
        bytes = 0;
        error = "";
        var trimmed = text?.Trim() ?? "";
        var multiplier = 1L;
        var number = trimmed;
        foreach (var (suffix, unitMultiplier) in Units)
        {
            if (!trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) continue;
            multiplier = unitMultiplier;
            number = trimmed[..^suffix.Length].TrimEnd();
            break;
        }
        if (decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            && value <= long.MaxValue / (decimal)multiplier)
        {
            bytes = (long)Math.Round(value * multiplier);
            return true;
        }
        error = $"'{text}' is not a size: expected a non-negative number of bytes, optionally with a unit, e.g. 65536, 64KiB, 1.5GiB or 100MB";
        return false;
    }
}
