namespace AkkaIngestion.Queueing;

/// <summary>
/// Published on the event stream once the bridge has finished with a file's message (acknowledged or dead-lettered).
/// The scheduler uses it to move the bookmark when the queue is not durable; reports and progress count it.
/// </summary>
public sealed record FileSettled(string FeedId, string FileName, FileSettlement Settlement, long Bytes);

public enum FileSettlement
{
    Stored,
    AlreadyStored,
    DeadLettered,
}
