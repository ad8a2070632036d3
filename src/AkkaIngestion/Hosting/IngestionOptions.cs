namespace AkkaIngestion.Hosting;

/// <summary>
/// Every setting of a node, bound from the "AkkaIngest" configuration section (appsettings, environment
/// variables AKKA_INGEST__*, command-line flags). The initial values here are the documented defaults.
/// </summary>
public sealed class IngestionOptions
{
    public const string Section = "AkkaIngest";

    /// <summary>Base URL of the archive.</summary>
    public string Source { get; set; } = "https://data.gharchive.org/";

    /// <summary>A directory path, or s3://bucket[/prefix].</summary>
    public string Store { get; set; } = "./data";

    /// <summary>"memory", or sqs://name.</summary>
    public string Queue { get; set; } = "memory";

    /// <summary>Concurrent downloads on this node.</summary>
    public int Workers { get; set; } = 8;

    /// <summary>Messages held beyond the busy workers so a freed worker never waits for a receive.</summary>
    public int Prefetch { get; set; } = 2;

    /// <summary>HEAD probes in flight per feed.</summary>
    public int ProbeParallelism { get; set; } = 16;

    /// <summary>How often the live edge is probed once caught up.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First re-probe of a gap; doubles per probe up to <see cref="GapMaxBackoff"/>.</summary>
    public TimeSpan GapInitialBackoff { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan GapMaxBackoff { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Attempts per file (first try included) before it goes to the dead letters.</summary>
    public int RetryAttempts { get; set; } = 6;

    /// <summary>Base delay of the jittered exponential backoff between attempts.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A body read that stalls this long fails the attempt.</summary>
    public TimeSpan ReadStallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a received message stays invisible; extended while its file is in flight.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Deliveries of one message (crashes, restarts) before it is dead-lettered.</summary>
    public int MaxReceiveCount { get; set; } = 5;

    /// <summary>Long-poll wait of one receive.</summary>
    public TimeSpan ReceiveWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A run against an S3 store first aborts multipart uploads under its prefix started longer ago than this: a killed
    /// node leaves its upload open, and S3 bills the parts until it is aborted. Keep it above the longest upload.
    /// </summary>
    public TimeSpan StaleUploadAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a stopping node lets in-flight downloads finish before handing them back.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(20);
}
