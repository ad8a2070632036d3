using System.Globalization;

namespace AkkaIngestion.Feeds;

/// <summary>Reads durations as people type them on a command line: <c>250ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, <c>1.5s</c>, or <c>00:00:05</c>.</summary>
public static class DurationParser
{
    private static readonly (string Suffix, double Milliseconds)[] Units =
    [
        ("ms", 1),
        ("s", 1000),
        ("m", 60_000),
        ("h", 3_600_000),
        ("d", 86_400_000),
    ];

    public static bool TryParse(string? text, out TimeSpan duration, out string error)
    {
        duration = default;
        error = "";
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            error = "a duration is required, e.g. 250ms, 5s, 2m, 1h or 00:00:05";
            return false;
        }
        if (trimmed == "0") return true;
        if (trimmed.Contains(':'))
        {
            if (TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero) return true;
            error = $"'{text}' is not a duration: expected e.g. 250ms, 5s, 2m, 1h or 00:00:05";
            return false;
        }
        // "ms" is tried before "m" and "s" so that 250ms is not read as 250m followed by garbage.
        foreach (var (suffix, milliseconds) in Units)
        {
            if (!trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) continue;
            var number = trimmed[..^suffix.Length];
            if (double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
                && value * milliseconds < TimeSpan.MaxValue.TotalMilliseconds)
            {
                duration = TimeSpan.FromMilliseconds(value * milliseconds);
                return true;
            }
            break;
        }
        error = $"'{text}' is not a duration: expected a non-negative number with a unit (ms, s, m, h, d), e.g. 250ms or 5s, or 00:00:05";
        return false;
    }
}
