namespace AkkaIngestion.Cli.Commands.Ctl;

// The admin API's answers (/work/admin-api.md), read leniently: a field the endpoint leaves out keeps its default, so
// an older or newer node still renders; a feed whose scheduler did not answer has null counters. --json prints the endpoint's own JSON, never these.

public sealed record ClusterState(string Mode = "", string? Self = null, string? Leader = null,
    IReadOnlyList<ClusterMember>? Members = null, IReadOnlyList<string>? Unreachable = null);

public sealed record ClusterMember(string Address = "", string Status = "", IReadOnlyList<string>? Roles = null, bool Reachable = true);

public sealed record AdminMessage(string Message = "");

public sealed record DownedMembers(IReadOnlyList<string>? Downed = null);

public sealed record ActorList(string Node = "", IReadOnlyList<ActorEntry>? Actors = null);

public sealed record ActorEntry(string Path = "", int Depth = 0);

public sealed record ActorCount(string Node = "", int Count = 0, int User = 0, int System = 0);

public sealed record IngestState(string Node = "", IReadOnlyList<FeedState>? Feeds = null, DownloadState? Downloads = null,
    ProgressState? Progress = null, IReadOnlyList<ThroughputBucket>? Throughput = null, IReadOnlyList<RecentEvent>? Recent = null,
    IReadOnlyList<DeadLetterEntry>? DeadLetters = null);

public sealed record FeedState(string FeedId = "", string? Bookmark = null, string? EnqueuedThrough = null, string? SettledThrough = null,
    double? LagHours = null, int? ProbesInFlight = null, int? Outstanding = null, long? Found = null, long? Enqueued = null,
    IReadOnlyList<string>? Gaps = null, long? GapsRecorded = null, long? GapsFilled = null, IReadOnlyList<string>? WaitingAtEdge = null,
    bool RangeCompleted = false, bool Paused = false, string? LastError = null, bool Reachable = true);

public sealed record DownloadState(int Workers = 0, int InFlight = 0, int Dispatched = 0, int Capacity = 0, long Stored = 0,
    long AlreadyStored = 0, long DeadLettered = 0, bool Paused = false);

public sealed record ProgressState(long FilesStored = 0, long BytesStored = 0, long AlreadyStored = 0, long DeadLettered = 0,
    long GapsRecorded = 0, double ElapsedSeconds = 0, double MebibytesPerSecond = 0);

public sealed record ThroughputBucket(DateTimeOffset At = default, double BytesPerSecond = 0, double FilesPerSecond = 0);

public sealed record RecentEvent(DateTimeOffset At = default, string Level = "", string Message = "");

public sealed record DeadLetterEntry(string Feed = "", string File = "", string? Reason = null, DateTimeOffset? At = null);

public sealed record PauseAnswer(IReadOnlyList<string>? Paused = null, bool DownloadsPaused = false);

public sealed record ResumeAnswer(IReadOnlyList<string>? Resumed = null, bool DownloadsPaused = false);

public sealed record BackfillAnswer(string Feed = "", int Hours = 0);

public sealed record RedriveAnswer(int Redriven = 0);

public sealed record WorkersAnswer(int Workers = 0);
