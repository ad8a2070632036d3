namespace AkkaIngestion.Feeds;

/// <summary>
/// One feed as written in a feeds file or the "Feeds" configuration section. Hours are yyyy-MM-ddTHH (UTC), the
/// pattern is a .NET date format naming one file per hour, durations like 5m or 00:05:00.
/// </summary>
public sealed class FeedOptions
{
    public string? Id { get; set; }

    public string? BaseUrl { get; set; }

    public string? Pattern { get; set; }

    public string? StorePrefix { get; set; }

    public string? StartHour { get; set; }

    public string? PollInterval { get; set; }
}
