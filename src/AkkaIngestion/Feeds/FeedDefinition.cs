namespace AkkaIngestion.Feeds;

/// <summary>
/// One time-partitioned source: where its hourly files live, how they are named and where they go in the store.
/// </summary>
/// <param name="Id">Short stable name; carried on every queue message so a worker knows which feed a file belongs to.</param>
/// <param name="BaseUrl">Directory URL the file names are resolved against (ends with '/').</param>
/// <param name="Naming">How an hour maps to a file name and back.</param>
/// <param name="StorePrefix">Folder in the store for this feed's bookmark and objects ("" = the store's root).</param>
/// <param name="StartHour">First hour ingested when no bookmark exists.</param>
/// <param name="PollInterval">How often the live edge is probed once the feed has caught up.</param>
public sealed record FeedDefinition(
    string Id,
    Uri BaseUrl,
    HourFileNaming Naming,
    string StorePrefix,
    DateTime StartHour,
    TimeSpan PollInterval)
{
    public const string GhArchiveId = "gharchive";
    public static readonly Uri GhArchiveUrl = new("https://data.gharchive.org/");

    /// <summary>The replaced design's first bookmark was 2023-03-13-1.json.gz, so a fresh install starts there too.</summary>
    public static readonly DateTime GhArchiveStartHour = new(2023, 3, 13, 1, 0, 0, DateTimeKind.Utc);

    public static FeedDefinition GhArchive(Uri? baseUrl = null, TimeSpan? pollInterval = null) => new(
        GhArchiveId,
        baseUrl ?? GhArchiveUrl,
        HourFileNaming.GhArchive,
        StorePrefix: "",
        GhArchiveStartHour,
        pollInterval ?? TimeSpan.FromMinutes(5));

    /// <summary>Store key of the stored copy of <paramref name="fileName"/>: the replaced design's raw/&lt;file&gt; layout.</summary>
    public string ObjectKey(string fileName) => StoreKey("raw/" + fileName);

    public string BookmarkKey => StoreKey("bookmark.txt");

    public string DeadLetterKey(string fileName) => StoreKey("dead-letters/" + fileName + ".json");

    public string StoreKey(string relative) => StorePrefix.Length == 0 ? relative : StorePrefix.TrimEnd('/') + "/" + relative;

    public Uri FileUrl(string fileName) => new(BaseUrl, fileName);
}
