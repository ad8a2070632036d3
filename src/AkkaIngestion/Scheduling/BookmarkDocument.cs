using System.Text.Json;
using System.Text.Json.Serialization;
using AkkaIngestion.Feeds;

namespace AkkaIngestion.Scheduling;

/// <summary>
/// What a feed's bookmark object holds: the last hour for which every earlier hour is settled (ingested or recorded
/// as a gap), and the gaps still being re-probed. Written as versioned JSON; the replaced design's plain file name
/// (e.g. <c>2023-03-13-1.json.gz</c>) is read as a bookmark with no gaps.
/// </summary>
public sealed record BookmarkDocument(string FeedId, DateTime? SettledThrough, IReadOnlyList<GapEntry> Gaps, DateTimeOffset UpdatedAt)
{
    public const int CurrentVersion = 1;

    public static BookmarkDocument Empty(string feedId) => new(feedId, null, [], DateTimeOffset.MinValue);

    public string Serialize(FeedDefinition feed)
    {
        var wire = new Wire
        {
            Version = CurrentVersion,
            Feed = FeedId,
            Settled = SettledThrough is { } hour ? feed.Naming.NameOf(hour) : null,
            Gaps = Gaps.Select(g => new WireGap
            {
                File = feed.Naming.NameOf(g.Hour),
                FirstSeen = g.FirstSeen,
                LastProbed = g.LastProbed,
                Probes = g.Probes,
            }).ToList(),
            Updated = UpdatedAt,
        };
        return JsonSerializer.Serialize(wire, WireJson.Default.Wire);
    }

    /// <summary>Reads either format; the error names what is wrong with the object so an operator can fix it.</summary>
    public static bool TryParse(string content, FeedDefinition feed, out BookmarkDocument document, out string error)
    {
        document = Empty(feed.Id);
        error = "";
        var text = content.Trim();
        if (text.Length == 0)
        {
            error = "it is empty";
            return false;
        }
        if (!text.StartsWith('{'))
        {
            if (!feed.Naming.TryParse(text, out var legacyHour))
            {
                error = $"'{Shorten(text)}' is neither a {feed.Id} file name ({feed.Naming.Pattern}) nor a JSON bookmark";
                return false;
            }
            document = new BookmarkDocument(feed.Id, legacyHour, [], DateTimeOffset.MinValue);
            return true;
        }

        Wire? wire;
        try
        {
            wire = JsonSerializer.Deserialize(text, WireJson.Default.Wire);
        }
        catch (JsonException e)
        {
            error = $"it is not valid JSON ({e.Message})";
            return false;
        }
        if (wire is null)
        {
            error = "it is not a JSON object";
            return false;
        }
        if (wire.Version != CurrentVersion)
        {
            error = $"its version is {wire.Version}; this build reads version {CurrentVersion}";
            return false;
        }
        if (wire.Feed is { } named && named != feed.Id)
        {
            error = $"it belongs to feed '{named}', not '{feed.Id}'";
            return false;
        }
        DateTime? settled = null;
        if (wire.Settled is not null)
        {
            if (!feed.Naming.TryParse(wire.Settled, out var hour))
            {
                error = $"its 'settled' value '{Shorten(wire.Settled)}' is not a {feed.Id} file name";
                return false;
            }
            settled = hour;
        }
        var gaps = new List<GapEntry>();
        foreach (var gap in wire.Gaps ?? [])
        {
            if (!feed.Naming.TryParse(gap.File, out var gapHour))
            {
                error = $"its gap '{Shorten(gap.File ?? "")}' is not a {feed.Id} file name";
                return false;
            }
            gaps.Add(new GapEntry(gapHour, gap.FirstSeen, gap.LastProbed, Math.Max(gap.Probes, 1)));
        }
        document = new BookmarkDocument(feed.Id, settled, gaps, wire.Updated);
        return true;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    internal sealed class Wire
    {
        [JsonPropertyName("version")] public int Version { get; set; }
        [JsonPropertyName("feed")] public string? Feed { get; set; }
        [JsonPropertyName("settled")] public string? Settled { get; set; }
        [JsonPropertyName("gaps")] public List<WireGap>? Gaps { get; set; }
        [JsonPropertyName("updated")] public DateTimeOffset Updated { get; set; }
    }

    internal sealed class WireGap
    {
        [JsonPropertyName("file")] public string? File { get; set; }
        [JsonPropertyName("firstSeen")] public DateTimeOffset FirstSeen { get; set; }
        [JsonPropertyName("lastProbed")] public DateTimeOffset LastProbed { get; set; }
        [JsonPropertyName("probes")] public int Probes { get; set; }
    }
}

/// <summary>An hour that answered 404 while a later hour existed; re-probed with backoff until it appears.</summary>
public sealed record GapEntry(DateTime Hour, DateTimeOffset FirstSeen, DateTimeOffset LastProbed, int Probes)
{
    public DateTimeOffset NextProbeAt(TimeSpan initialBackoff, TimeSpan maxBackoff)
    {
        var factor = Math.Pow(2, Math.Min(Probes - 1, 30));
        var wait = TimeSpan.FromTicks((long)Math.Min(initialBackoff.Ticks * factor, maxBackoff.Ticks));
        return LastProbed + wait;
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BookmarkDocument.Wire))]
internal sealed partial class WireJson : JsonSerializerContext;
