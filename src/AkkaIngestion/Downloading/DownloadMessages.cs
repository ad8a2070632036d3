using AkkaIngestion.Feeds;
using AkkaIngestion.Queueing;

namespace AkkaIngestion.Downloading;

/// <summary>Bridge → download router: fetch this validated file and store it. The reply goes to the sender.</summary>
public sealed record DownloadFile(QueuedFile Message, FeedDefinition Feed, string FileName, DateTime Hour);

/// <summary>Downloader → sender of <see cref="DownloadFile"/>: how it ended.</summary>
public sealed record DownloadFinished(QueuedFile Message, FeedDefinition Feed, string FileName, DownloadOutcome Outcome);

/// <summary>A downloader crashed while it held this file; the sender decides whether it is tried again.</summary>
public sealed record DownloadCrashed(QueuedFile Message, string Reason);

public abstract record DownloadOutcome
{
    /// <summary>Streamed, verified and published.</summary>
    public sealed record Stored(long Bytes, string Sha256, int Attempts) : DownloadOutcome;

    /// <summary>An identical copy (same size, recorded sha256) was already in the store; nothing fetched.</summary>
    public sealed record AlreadyStored(long Bytes) : DownloadOutcome;

    /// <summary>Retry budget spent or a permanent error: the file goes to the dead letters with this reason.</summary>
    public sealed record Failed(string Reason, int Attempts) : DownloadOutcome;

    /// <summary>Stopped by shutdown before it finished; nothing was published, the message goes back to the queue.</summary>
    public sealed record Interrupted : DownloadOutcome;
}
