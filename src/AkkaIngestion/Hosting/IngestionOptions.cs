using AkkaIngestion.Feeds;

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

    /// <summary>
    /// host:port of this node's admin endpoint (status page, API for ctl, /metrics, /healthz, /readyz); "off" for none;
    /// port 0 picks a free one. A non-loopback address requires AKKA_INGEST_ADMIN_TOKEN.
    /// </summary>
    public string Admin { get; set; } = "127.0.0.1:9110";

    /// <summary>Feeds this node schedules; empty means the one GH Archive feed at <see cref="Source"/>.</summary>
    public List<FeedOptions> Feeds { get; set; } = [];

    public ClusterSettings Cluster { get; set; } = new();
}

/// <summary>Joining a cluster; a node without <see cref="Port"/> runs alone.</summary>
public sealed class ClusterSettings
{
    /// <summary>Address this node binds and is reached at.</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>Cluster port; null keeps the node single (no remoting, no cluster).</summary>
    public int? Port { get; set; }

    /// <summary>Comma-separated host:port of the seed nodes (the first one starts a new cluster when it is this node).</summary>
    public string SeedNodes { get; set; } = "";

    /// <summary>
    /// How long membership and reachability must stay unchanged before the split-brain resolver downs unreachable
    /// nodes (keep-majority), and so how long a crashed node's feeds and queue messages wait for another node.
    /// Akka's default; shorter only on a network that never pauses (tests on loopback).
    /// </summary>
    public TimeSpan StableAfter { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often a node sends heartbeats to the nodes it watches (Akka's default).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Missing heartbeats tolerated this long before a node is marked unreachable (Akka's default).</summary>
    public TimeSpan AcceptableHeartbeatPause { get; set; } = TimeSpan.FromSeconds(3);

    public bool Enabled => Port is not null;

    /// <summary>What makes these settings unusable, named by their configuration keys; null when they are fine.</summary>
    public string? FindProblem() =>
        StableAfter < TimeSpan.Zero ? $"Cluster:StableAfter {StableAfter} must not be negative"
        : HeartbeatInterval <= TimeSpan.Zero ? $"Cluster:HeartbeatInterval {HeartbeatInterval} must be positive"
        : AcceptableHeartbeatPause <= TimeSpan.Zero ? $"Cluster:AcceptableHeartbeatPause {AcceptableHeartbeatPause} must be positive"
        : null;
}
