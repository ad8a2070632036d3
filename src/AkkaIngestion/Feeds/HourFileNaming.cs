using System.Globalization;

namespace AkkaIngestion.Feeds;

/// <summary>
/// Maps a UTC hour to a file name and back with a .NET custom date format (GH Archive: <c>yyyy-MM-dd-H'.json.gz'</c>).
/// Parsing is strict: a name must format back to itself, so padded hours, path separators or URLs never pass.
/// </summary>
public sealed class HourFileNaming
{
    public static readonly HourFileNaming GhArchive = new("yyyy-MM-dd-H'.json.gz'");

    public HourFileNaming(string pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern))
            throw new ArgumentException("a file-name pattern is required", nameof(pattern));
        Pattern = pattern;
        var probe = NameOf(new DateTime(2001, 2, 3, 13, 0, 0, DateTimeKind.Utc));
        if (!TryParse(probe, out var back) || back != new DateTime(2001, 2, 3, 13, 0, 0, DateTimeKind.Utc))
            throw new ArgumentException($"file-name pattern '{pattern}' does not name each hour uniquely", nameof(pattern));
        if (probe.IndexOfAny(['/', '\\']) >= 0 || probe.Contains(".."))
            throw new ArgumentException($"file-name pattern '{pattern}' produces a path, not a file name", nameof(pattern));
    }

    public string Pattern { get; }

    public string NameOf(DateTime hour) => ArchiveHour.Truncate(hour).ToString(Pattern, CultureInfo.InvariantCulture);

    public bool TryParse(string? name, out DateTime hour)
    {
        hour = default;
        if (string.IsNullOrEmpty(name) || name.Length > 200) return false;
        if (!DateTime.TryParseExact(name, Pattern, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
            return false;
        parsed = DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
        if (parsed != ArchiveHour.Truncate(parsed) || NameOf(parsed) != name) return false;
        hour = parsed;
        return true;
    }

    public override string ToString() => Pattern;
}
