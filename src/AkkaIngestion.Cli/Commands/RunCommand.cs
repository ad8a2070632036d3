using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using AkkaIngestion.Admin;
using AkkaIngestion.Feeds;
using AkkaIngestion.Hosting;
using AkkaIngestion.Queueing;
using AkkaIngestion.Scheduling;
using AkkaIngestion.Storage;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace AkkaIngestion.Cli.Commands;

/// <summary><c>akka-ingest run</c>: ingest a range, or follow the live edge until Ctrl+C.</summary>
internal static class RunCommand
{
    private static readonly Option<string?> Queue = new("--queue")
    {
        Description = "Queue between scheduler and downloaders: memory (default) or sqs://name",
    };

    private static readonly Option<int?> Workers = new("--workers")
    {
        Description = "Concurrent downloads on this node (default 8)",
    };

    private static readonly Option<string?> PollInterval = new("--poll-interval")
    {
        Description = "How often the live edge is probed once caught up, e.g. 30s, 5m (default 5m)",
    };

    private static readonly Option<string?> Feeds = new("--feeds")
    {
        Description = "Feeds file (JSON: {\"feeds\": [{\"id\", \"baseUrl\", \"pattern\", \"storePrefix\", \"startHour\", \"pollInterval\"}]}); default: GH Archive at --source",
    };

    private static readonly Option<int?> ClusterPort = new("--cluster-port")
    {
        Description = "Join a cluster, listening on this port (without it the node runs alone)",
    };

    private static readonly Option<string?> ClusterHost = new("--cluster-host")
    {
        Description = "Address other nodes reach this one at (default 127.0.0.1)",
    };

    private static readonly Option<string?> SeedNodes = new("--seed-nodes")
    {
        Description = "Comma-separated host:port of the cluster's seed nodes (default: this node starts the cluster)",
    };

    private static readonly Option<string?> Admin = new("--admin")
    {
        Description = "Admin endpoint HOST:PORT (status page, ctl API, /metrics, /healthz, /readyz; default 127.0.0.1:9110) or off",
    };

    private static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Log every step (info level) even on a terminal",
    };

    public static Command Create()
    {
        var command = new Command("run", "Ingest hours from the source into the store: a range with --to, else follow the live edge until Ctrl+C")
        {
            NodeSettings.Source, NodeSettings.Store, Queue, NodeSettings.From, NodeSettings.To, Workers, PollInterval, Feeds,
            ClusterPort, ClusterHost, SeedNodes, Admin, NodeSettings.Config, NodeSettings.Json, Verbose,
        };
        Cli.SetGuardedAction(command, RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parsed, CancellationToken cancellationToken)
    {
        var options = NodeSettings.Load(parsed);
        if (parsed.GetValue(Queue) is { } queueLocation) options.Queue = queueLocation;
        if (parsed.GetValue(Workers) is { } workers) options.Workers = workers;
        if (parsed.GetValue(PollInterval) is { } poll)
        {
            if (!DurationParser.TryParse(poll, out var interval, out var error)) throw new UsageException($"--poll-interval: {error}");
            options.PollInterval = interval;
        }
        if (options.Workers is < 1 or > 1024) throw new UsageException($"--workers {options.Workers}: must be between 1 and 1024");
        if (options.PollInterval <= TimeSpan.Zero) throw new UsageException("--poll-interval must be positive");
        if (parsed.GetValue(ClusterPort) is { } clusterPort) options.Cluster.Port = clusterPort;
        if (parsed.GetValue(ClusterHost) is { } clusterHost) options.Cluster.Hostname = clusterHost;
        if (parsed.GetValue(SeedNodes) is { } seeds) options.Cluster.SeedNodes = seeds;
        if (options.Cluster.Port is < 1 or > 65535) throw new UsageException($"--cluster-port {options.Cluster.Port}: must be 1-65535");
        AkkaIngestion.Cluster.SeedNodes.Parse(options.Cluster.SeedNodes);
        if (options.Cluster.FindProblem() is { } clusterProblem) throw new UsageException(clusterProblem);
        if (options.Cluster.Enabled && string.Equals(options.Queue, "memory", StringComparison.OrdinalIgnoreCase))
            throw new UsageException("a cluster needs a shared queue: use --queue sqs://name (the in-process queue lives and dies with one node)");
        if (options.StaleUploadAge <= TimeSpan.Zero) throw new UsageException($"StaleUploadAge {options.StaleUploadAge} must be positive");
        var (from, to) = NodeSettings.Range(parsed);
        var feeds = parsed.GetValue(Feeds) is { } feedsFile
            ? FeedCatalog.ReadFile(feedsFile, options.PollInterval)
            : options.Feeds.Count > 0
                ? FeedCatalog.FromConfiguration(options.Feeds, options.PollInterval)
                : [FeedDefinition.GhArchive(NodeSettings.SourceUrl(options), options.PollInterval)];
        var plan = new RunPlan(feeds, from, to, options.Cluster.Enabled);

        var json = parsed.GetValue(NodeSettings.Json);
        var live = !json && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        var logLevel = parsed.GetValue(Verbose) || !live ? LogLevel.Information : LogLevel.Warning;
        void Logging(ILoggingBuilder logging) => logging
            .SetMinimumLevel(logLevel)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddSimpleConsole(c =>
            {
                c.SingleLine = true;
                c.TimestampFormat = "HH:mm:ss.fff ";
            })
            .AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace);
        using var loggers = LoggerFactory.Create(Logging);

        var store = Backends.OpenStore(options.Store, loggers);
        var queue = Backends.OpenQueue(options.Queue, options, loggers);
        var admin = AdminAddress(parsed, options);
        // The node's host is built while these run; it starts only once they hold.
        var ready = CheckBeforeStartAsync(store, queue, feeds, cancellationToken);
        var staleUploads = store is S3Store s3
            ? AbortStaleUploadsAsync(ready, s3, options.StaleUploadAge, loggers.CreateLogger(typeof(RunCommand)), cancellationToken)
            : Task.CompletedTask;

        using var stopping = cancellationToken.Register(() =>
            Console.Error.WriteLine("akka-ingest run: stopping: letting downloads in flight finish (Ctrl+C again to quit at once)"));
        RunOutcome outcome;
        if (live)
        {
            outcome = await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new SpinnerColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var line = context.AddTask("starting");
                    return await IngestionRun.ExecuteAsync(options, plan, store, queue, admin, ready, Logging,
                        snapshot => line.Description = Markup.Escape(ProgressLine(snapshot)), cancellationToken);
                });
        }
        else
        {
            var lastLine = DateTime.MinValue;
            outcome = await IngestionRun.ExecuteAsync(options, plan, store, queue, admin, ready, Logging, snapshot =>
            {
                if (json || DateTime.UtcNow - lastLine < TimeSpan.FromSeconds(10)) return;
                lastLine = DateTime.UtcNow;
                Console.Out.WriteLine("progress: " + ProgressLine(snapshot));
            }, cancellationToken);
        }

        await staleUploads;
        PrintSummary(outcome, json);
        return Cli.Ok;
    }

    private static AdminAddress AdminAddress(ParseResult parsed, IngestionOptions options)
    {
        var flag = parsed.GetValue(Admin);
        if (flag is not null) options.Admin = flag;
        var admin = AkkaIngestion.Admin.AdminAddress.Parse(options.Admin,
            Environment.GetEnvironmentVariable(AkkaIngestion.Admin.AdminAddress.TokenVariable),
            isDefault: flag is null && options.Admin == new IngestionOptions().Admin);
        if (admin.IsFree()) return admin;
        if (!admin.IsDefault) throw new UsageException($"--admin {options.Admin}: the address is in use");
        // Several nodes on one machine: only the first gets the default port; the others say so and run without.
        Console.Error.WriteLine($"akka-ingest run: admin endpoint not started: {options.Admin} is in use (set --admin HOST:PORT or off)");
        return admin with { EndPoint = null };
    }

    /// <summary>
    /// Nothing of the pipeline starts before these hold. Each check is the first call of its client, mostly the SDK's
    /// own set-up on this CPU, so they run off the calling thread, beside the node's start, and the queue's beside the
    /// store's. An unreachable store or queue is named in one line, and an unreadable bookmark stops the run with the
    /// store untouched: the store's own check (a directory store writes a probe) waits for the bookmarks.
    /// </summary>
    private static async Task CheckBeforeStartAsync(IObjectStore store, IFileQueue queue, IReadOnlyList<FeedDefinition> feeds,
        CancellationToken cancellationToken)
    {
        var queueReachable = Task.Run(() => queue.CheckReachableAsync(cancellationToken), cancellationToken);
        await Task.Run(async () =>
        {
            foreach (var feed in feeds) await new FeedBookmarks(store, feed).LoadAsync(cancellationToken);
            await store.CheckReachableAsync(cancellationToken);
        }, cancellationToken);
        await queueReachable;
    }

    /// <summary>
    /// Housekeeping beside the run, not part of it: uploads older than the threshold are not this run's. It waits for
    /// the run's checks (a run that does not start touches nothing); when it cannot be done (e.g. no
    /// ListMultipartUploads permission) the run goes on.
    /// </summary>
    private static async Task AbortStaleUploadsAsync(Task ready, S3Store store, TimeSpan olderThan, ILogger logger, CancellationToken cancellationToken)
    {
        await ready.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!ready.IsCompletedSuccessfully) return; // the run did not start, and says why
        try
        {
            var aborted = await store.AbortStaleUploadsAsync(olderThan, cancellationToken);
            logger.LogInformation("{Aborted} stale multipart upload(s) older than {Age} aborted in {Store}", aborted, olderThan, store.Location);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            logger.LogWarning("could not look for stale multipart uploads in {Store}: {Error}", store.Location, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static string ProgressLine(ProgressSnapshot p) =>
        $"{p.FilesStored} stored, {p.AlreadyStored} skipped, {p.DeadLettered} dead-lettered, {p.GapsRecorded} gap(s), " +
        $"{p.BytesStored / 1048576.0:F1} MiB at {p.MebibytesPerSecond:F1} MiB/s";

    private static void PrintSummary(RunOutcome outcome, bool json)
    {
        var p = outcome.Progress;
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new RunSummary(
                p.RangeCompleted, outcome.Interrupted, p.FilesStored, p.BytesStored, p.AlreadyStored, p.GapsRecorded, p.OpenGaps,
                p.DeadLettered, Math.Round(p.Elapsed.TotalSeconds, 3),
                p.RangeEnqueuedAfter is { } enqueued ? Math.Round(enqueued.TotalSeconds, 3) : null,
                Math.Round(p.MebibytesPerSecond, 2)), RunSummaryJson.Default.RunSummary));
            return;
        }
        Console.Out.WriteLine(outcome.Interrupted ? "run stopped before its end" : p.RangeCompleted ? "run complete" : "run stopped");
        Console.Out.WriteLine($"  files stored:  {p.FilesStored}");
        Console.Out.WriteLine($"  bytes stored:  {p.BytesStored} ({p.BytesStored / 1048576.0:F1} MiB)");
        Console.Out.WriteLine($"  skipped:       {p.AlreadyStored} (already stored, identical)");
        Console.Out.WriteLine($"  gaps:          {p.GapsRecorded} recorded, {p.OpenGaps} open");
        Console.Out.WriteLine($"  dead letters:  {p.DeadLettered}");
        Console.Out.WriteLine($"  elapsed:       {p.Elapsed.TotalSeconds:F1} s" +
            (p.RangeEnqueuedAfter is { } found ? $" (every hour found and enqueued after {found.TotalSeconds:F1} s)" : ""));
        Console.Out.WriteLine($"  rate:          {p.MebibytesPerSecond:F1} MiB/s");
    }
}

/// <summary>What <c>run --json</c> prints when it ends: one line, for scripts and the benchmarks.</summary>
internal sealed record RunSummary(
    bool Completed,
    bool Interrupted,
    long FilesStored,
    long BytesStored,
    long Skipped,
    long GapsRecorded,
    int OpenGaps,
    long DeadLetters,
    double ElapsedSeconds,
    double? EnqueuedAfterSeconds,
    double MebibytesPerSecond);

// Generated at build time: reflection-based serialization costs a run about 25 ms of start-up work at its very end.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RunSummary))]
internal sealed partial class RunSummaryJson : JsonSerializerContext;
