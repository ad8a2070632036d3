using System.Text;
using System.Text.Json;

namespace AkkaIngestion.Feeds;

/// <summary>A feeds file or "Feeds" section that cannot work; the message names the place (file, line, field) at fault.</summary>
public sealed class FeedConfigurationException(string message) : Exception(message);

/// <summary>
/// The feeds a node schedules: read from a feeds file (JSON: <c>{"feeds": [ {...}, ... ]}</c>) or the "Feeds"
/// configuration section, each checked and turned into a <see cref="FeedDefinition"/>.
/// </summary>
public static class FeedCatalog
{
    private static readonly string[] Fields = ["id", "baseUrl", "pattern", "storePrefix", "startHour", "pollInterval"];

    /// <summary>Reads a feeds file; every problem names the file, the line and the field.</summary>
    public static IReadOnlyList<FeedDefinition> ReadFile(string path, TimeSpan defaultPollInterval)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FeedConfigurationException($"feeds file {path}: {e.Message}");
        }
        var entries = Parse(bytes, path);
        return Validate(entries.Select(e => (e.Options, (Func<string, string>)(field =>
            $"{path} line {e.LineOf(field)}: feeds[{e.Index}].{field}"))).ToList(), defaultPollInterval, $"{path}");
    }

    /// <summary>Checks the "Feeds" configuration section; problems name the configuration key.</summary>
    public static IReadOnlyList<FeedDefinition> FromConfiguration(IReadOnlyList<FeedOptions> feeds, TimeSpan defaultPollInterval) =>
        Validate(feeds.Select((f, i) => (f, (Func<string, string>)(field => $"configuration AkkaIngest:Feeds:{i}:{field}"))).ToList(),
            defaultPollInterval, "configuration AkkaIngest:Feeds");

    private static IReadOnlyList<FeedDefinition> Validate(
        IReadOnlyList<(FeedOptions Options, Func<string, string> Where)> entries, TimeSpan defaultPollInterval, string source)
    {
        if (entries.Count == 0) throw new FeedConfigurationException($"{source}: no feeds are listed");
        var feeds = new List<FeedDefinition>();
        foreach (var (options, where) in entries)
        {
            var feed = ToDefinition(options, where, defaultPollInterval);
            if (feeds.FirstOrDefault(f => f.Id == feed.Id) is not null)
                throw new FeedConfigurationException($"{where("id")}: '{feed.Id}' is listed twice");
            if (feeds.FirstOrDefault(f => f.StorePrefix == feed.StorePrefix) is { } clash)
                throw new FeedConfigurationException(
                    $"{where("storePrefix")}: '{feed.StorePrefix}' is already used by feed '{clash.Id}'; their bookmarks would collide");
            feeds.Add(feed);
        }
        return feeds;
    }

    private static FeedDefinition ToDefinition(FeedOptions options, Func<string, string> where, TimeSpan defaultPollInterval)
    {
        var id = options.Id?.Trim();
        if (string.IsNullOrEmpty(id) || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new FeedConfigurationException($"{where("id")}: '{options.Id}' must be 1-64 letters, digits, '-' or '_'");

        if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            throw new FeedConfigurationException($"{where("baseUrl")}: '{options.BaseUrl}' is not an http(s) URL");
        if (!baseUrl.AbsoluteUri.EndsWith('/')) baseUrl = new Uri(baseUrl.AbsoluteUri + "/");

        HourFileNaming naming;
        try
        {
            naming = options.Pattern is null ? HourFileNaming.GhArchive : new HourFileNaming(options.Pattern);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new FeedConfigurationException($"{where("pattern")}: {e.Message}");
        }

        var prefix = (options.StorePrefix ?? "").Trim().Trim('/');
        if (prefix.Split('/').Any(part => part is "." or "..") || prefix.Contains('\\'))
            throw new FeedConfigurationException($"{where("storePrefix")}: '{options.StorePrefix}' must be a plain folder path");

        var start = FeedDefinition.GhArchiveStartHour;
        if (options.StartHour is not null && !ArchiveHour.TryParse(options.StartHour, out start, out var hourError))
            throw new FeedConfigurationException($"{where("startHour")}: {hourError}");

        var poll = defaultPollInterval;
        if (options.PollInterval is not null && (!DurationParser.TryParse(options.PollInterval, out poll, out var pollError) || poll <= TimeSpan.Zero))
            throw new FeedConfigurationException($"{where("pollInterval")}: {(poll <= TimeSpan.Zero ? "must be positive" : pollError)}");

        return new FeedDefinition(id, baseUrl, naming, prefix, start, poll);
    }

    private sealed record Entry(int Index, FeedOptions Options, Dictionary<string, long> Lines, long ObjectLine)
    {
        public long LineOf(string field) => Lines.TryGetValue(field, out var line) ? line : ObjectLine;
    }

    /// <summary>A small reader rather than the serializer, so that every field's line is known and typos are caught.</summary>
    private static List<Entry> Parse(byte[] bytes, string path)
    {
        var entries = new List<Entry>();
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            if (!reader.Read()) throw Problem(path, LineAt(bytes, reader.TokenStartIndex), "the file is empty");
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName || reader.GetString() != "feeds")
                    throw Problem(path, LineAt(bytes, reader.TokenStartIndex), "expected {\"feeds\": [ ... ]}");
                reader.Read();
            }
            if (reader.TokenType != JsonTokenType.StartArray) throw Problem(path, LineAt(bytes, reader.TokenStartIndex), "expected an array of feeds");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject) throw Problem(path, LineAt(bytes, reader.TokenStartIndex), $"feeds[{entries.Count}] must be an object");
                var entry = new Entry(entries.Count, new FeedOptions(), new Dictionary<string, long>(), LineAt(bytes, reader.TokenStartIndex));
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString()!;
                    var line = LineAt(bytes, reader.TokenStartIndex);
                    var field = Fields.FirstOrDefault(f => f == name)
                        ?? throw Problem(path, LineAt(bytes, reader.TokenStartIndex), $"feeds[{entry.Index}].{name}: unknown field (known: {string.Join(", ", Fields)})");
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                        throw Problem(path, LineAt(bytes, reader.TokenStartIndex), $"feeds[{entry.Index}].{name}: expected a string");
                    entry.Lines[field] = line;
                    var value = reader.GetString();
                    switch (field)
                    {
                        case "id": entry.Options.Id = value; break;
                        case "baseUrl": entry.Options.BaseUrl = value; break;
                        case "pattern": entry.Options.Pattern = value; break;
                        case "storePrefix": entry.Options.StorePrefix = value; break;
                        case "startHour": entry.Options.StartHour = value; break;
                        case "pollInterval": entry.Options.PollInterval = value; break;
                    }
                }
                entries.Add(entry);
            }
        }
        catch (JsonException e)
        {
            throw new FeedConfigurationException($"{path} line {(e.LineNumber ?? 0) + 1}: not valid JSON ({e.Message})");
        }
        return entries;
    }

    private static FeedConfigurationException Problem(string path, long line, string message) => new($"{path} line {line}: {message}");

    private static long LineAt(byte[] bytes, long offset)
    {
        long line = 1;
        for (var i = 0; i < offset && i < bytes.Length; i++)
            if (bytes[i] == (byte)'\n') line++;
        return line;
    }
}
