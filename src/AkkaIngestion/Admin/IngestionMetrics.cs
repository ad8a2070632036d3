using System.Diagnostics.Metrics;

namespace AkkaIngestion.Admin;

/// <summary>
/// The node's OpenTelemetry instruments (meter "AkkaIngestion"), exported in Prometheus format at /metrics. Counters are
/// fed from the pipeline's events by <see cref="NodeActivity"/>; gauges read the latest <see cref="NodeGauges"/>.
/// </summary>
public static class IngestionMetrics
{
    public const string MeterName = "AkkaIngestion";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> FilesStored = Meter.CreateCounter<long>("akka_ingest_files_stored", description: "Files streamed, verified and published");

    public static readonly Counter<long> BytesStored = Meter.CreateCounter<long>("akka_ingest_stored", "By", "Bytes of the files stored");

    public static readonly Counter<long> FilesSkipped = Meter.CreateCounter<long>("akka_ingest_files_skipped", description: "Files already stored identical, not fetched");

    public static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>("akka_ingest_dead_letters", description: "Messages dead-lettered");

    public static readonly Counter<long> GapsRecorded = Meter.CreateCounter<long>("akka_ingest_gaps_recorded", description: "Hours recorded as gaps");

    public static readonly Counter<long> DownloadRetries = Meter.CreateCounter<long>("akka_ingest_download_retries", description: "Download attempts that failed and were retried");

    /// <summary>Bucket bounds of <see cref="DownloadDuration"/>: hourly files take from well under a second to minutes.</summary>
    public static readonly double[] DurationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    public static readonly Histogram<double> DownloadDuration = Meter.CreateHistogram<double>("akka_ingest_download_duration", "s", "Time from a file's GET to its publication");

    public static readonly UpDownCounter<long> DownloadsInFlight = Meter.CreateUpDownCounter<long>("akka_ingest_downloads_in_flight", description: "Files being downloaded now");

    /// <summary>The gauges' source; replaced by <see cref="NodeActivity"/> every few seconds.</summary>
    public static NodeGauges Gauges { get; set; } = NodeGauges.Empty;

    static IngestionMetrics()
    {
        Meter.CreateObservableGauge("akka_ingest_queue_held_messages", () => (long)Gauges.HeldMessages,
            description: "Messages this node's bridge has received and not settled");
        Meter.CreateObservableGauge("akka_ingest_queue_oldest_held_age", () => Gauges.OldestHeldAge.TotalSeconds, "s",
            "Age of the oldest message this node's bridge holds");
        Meter.CreateObservableGauge("akka_ingest_bookmark_lag", () => Gauges.LagHours.Select(
                lag => new Measurement<double>(lag.Value, new KeyValuePair<string, object?>("feed", lag.Key))), "h",
            "Hours between a feed's bookmark and the latest hour that can be published");
        Meter.CreateObservableGauge("akka_ingest_cluster_members", () => (long)Gauges.ClusterMembers,
            description: "Members of the cluster that are up (1 for a single node)");
    }
}

/// <summary>What the gauges report, as last seen.</summary>
public sealed record NodeGauges(int HeldMessages, TimeSpan OldestHeldAge, IReadOnlyDictionary<string, double> LagHours, int ClusterMembers)
{
    public static readonly NodeGauges Empty = new(0, TimeSpan.Zero, new Dictionary<string, double>(), 1);
}
