using System.Globalization;

namespace AkkaIngestion.Feeds;

/// <summary>Hour arithmetic in UTC; DateTime does the calendar (month ends, leap days, year ends).</summary>
public static class ArchiveHour
{
    /// <summary>The form hours take on the command line and in reports: 2024-02-29T23.</summary>
    public const string DisplayFormat = "yyyy-MM-dd'T'HH";

    public static DateTime Truncate(DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        return new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc);
    }

    public static DateTime Next(DateTime hour) => hour.AddHours(1);

    public static string Display(DateTime hour) => hour.ToString(DisplayFormat, CultureInfo.InvariantCulture);

    /// <summary>Parses yyyy-MM-ddTHH (an hour in UTC); the error names what is wrong.</summary>
    public static bool TryParse(string? text, out DateTime hour, out string error)
    {
        hour = default;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "an hour is required, as yyyy-MM-ddTHH (UTC)";
            return false;
        }
        if (!DateTime.TryParseExact(text.Trim(), DisplayFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
        {
            error = $"'{text}' is not an hour: expected yyyy-MM-ddTHH in UTC, e.g. 2024-02-29T23";
            return false;
        }
        hour = DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
        return true;
    }

    public static IEnumerable<DateTime> Range(DateTime first, DateTime last)
    {
        for (var h = first; h <= last; h = Next(h)) yield return h;
    }
}
