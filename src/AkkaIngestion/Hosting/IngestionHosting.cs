using Akka.Actor;
using Akka.Hosting;
using AkkaIngestion.Admin;
using AkkaIngestion.Cluster;
using AkkaIngestion.Downloading;
using AkkaIngestion.Feeds;
using AkkaIngestion.Queueing;
using AkkaIngestion.Scheduling;
using AkkaIngestion.Sources;
using AkkaIngestion.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaIngestion.Hosting;

/// <summary>What one run of a node does: which feeds, which hours, and whether the process ends with the range.</summary>
/// <param name="Clustered">
/// In a cluster the range bounds the schedulers, but a node keeps serving until it is stopped: the range's end is seen
/// only by the node that hosts each feed's scheduler.
/// </param>
public sealed record RunPlan(IReadOnlyList<FeedDefinition> Feeds, DateTime? From, DateTime? To, bool Clustered = false)
{
    public bool ExitsWhenDone => To is not null && !Clustered;
}

/// <summary>
/// The one place where the node's actors are registered. Everything the actors need comes from the service provider:
/// <see cref="IObjectStore"/>, <see cref="IFileQueue"/>, <see cref="IArchiveSource"/>, <see cref="IngestionOptions"/>, <see cref="RunPlan"/>.
/// </summary>
public static class IngestionHosting
{
    public const string SystemName = "akka-ingest";

    /// <summary>
    /// Registers the pipeline's services and actors; the store and queue must be registered by the caller. The actor
    /// system may start before <paramref name="checks"/> (the run's checks of store, queue and bookmarks) are done; the
    /// pipeline waits for them, and does not start at all when they fail.
    /// </summary>
    public static IServiceCollection AddIngestionNode(this IServiceCollection services, IngestionOptions options, RunPlan plan, Task checks)
    {
        services.AddSingleton(options);
        services.AddSingleton(plan);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DownloadCancellation>();
        services.AddSingleton<ProgressBoard>();
        services.AddSingleton<NodeQueries>();
        services.AddSingleton<IArchiveSource>(_ =>
            new HttpArchiveSource(HttpArchiveSource.CreateClient(options.Workers + options.ProbeParallelism)));
        services.AddAkka(SystemName, (builder, provider) =>
        {
            builder
                .AddHocon(ShutdownHocon(options), HoconAddMode.Prepend)
                .ConfigureLoggers(loggers =>
                {
                    loggers.ClearLoggers();
                    loggers.AddLoggerFactory();
                });
            if (options.Cluster.Enabled)
                builder.WithIngestionCluster(options.Cluster, plan.Feeds, feed => SchedulerProps(provider, feed));
            builder.WithActors(async (system, registry) =>
            {
                await checks.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (!checks.IsCompletedSuccessfully) return;
                if (!options.Cluster.Enabled)
                    registry.Register<FeedSchedulers>(system.ActorOf(FeedSchedulers.Props(plan.Feeds, feed => SchedulerProps(provider, feed)), "feeds"));
                StartWorkers(system, registry, provider);
            });
        });
        return services;
    }

    private static Props SchedulerProps(IServiceProvider provider, FeedDefinition feed)
    {
        var options = provider.GetRequiredService<IngestionOptions>();
        var plan = provider.GetRequiredService<RunPlan>();
        return FeedScheduler.Props(feed,
            provider.GetRequiredService<IArchiveSource>(),
            provider.GetRequiredService<IObjectStore>(),
            provider.GetRequiredService<IFileQueue>(),
            FeedSchedulerSettings.From(options, plan.From, plan.To),
            provider.GetRequiredService<TimeProvider>());
    }

    /// <summary>This node's part of the download path, and the shutdown order that keeps every file safe.</summary>
    private static void StartWorkers(ActorSystem system, IActorRegistry registry, IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IngestionOptions>();
        var plan = provider.GetRequiredService<RunPlan>();
        var store = provider.GetRequiredService<IObjectStore>();
        var queue = provider.GetRequiredService<IFileQueue>();
        var source = provider.GetRequiredService<IArchiveSource>();
        var cancellation = provider.GetRequiredService<DownloadCancellation>();

        var board = provider.GetRequiredService<ProgressBoard>();
        var progress = system.ActorOf(IngestionProgress.Props(plan.ExitsWhenDone ? plan.Feeds.Select(f => f.Id) : [], board), "progress");
        registry.Register<IngestionProgress>(progress);

        // Resolved on first use: the queries need the started actor system, which is not there yet at this point.
        var activity = system.ActorOf(NodeActivity.Props(() =>
            new NodeLook(provider.GetRequiredService<NodeQueries>().Gauges(CancellationToken.None))), "activity");
        registry.Register<NodeActivity>(activity);

        var downloaderProps = Downloader.Props(source, store, DownloaderSettings.From(options), cancellation);
        var workers = system.ActorOf(DownloadRouter.Create(options.Workers, downloaderProps), "downloads");
        registry.Register<DownloadRouter>(workers);

        var bridge = system.ActorOf(
            QueueBridge.Props(queue, plan.Feeds, workers, store, QueueBridgeSettings.From(options), cancellation),
            "queue-bridge");
        registry.Register<QueueBridge>(bridge);

        var schedulers = registry.Get<FeedSchedulers>();
        var shutdown = CoordinatedShutdown.Get(system);
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "drain-downloads", async () =>
        {
            await bridge.Ask<Drained>(new DrainAndStop(options.ShutdownGrace), options.ShutdownGrace + DrainSlack);
            return Akka.Done.Instance;
        });
        // In a cluster the shard hand-off writes each bookmark (FeedScheduler.HandOff); alone, the node asks for it here.
        if (options.Cluster.Enabled) return;
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "flush-bookmarks", async () =>
        {
            await Task.WhenAll(plan.Feeds.Select(feed => schedulers.Ask<FeedScheduler.BookmarkFlushed>(
                new FeedSchedulers.ToFeed(feed.Id, FeedScheduler.FlushBookmark.Instance), BookmarkFlushTimeout)));
            return Akka.Done.Instance;
        });
    }

    private static readonly TimeSpan DrainSlack = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BookmarkFlushTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Shutdown phases must outlast the drain they wait for, or Akka would cut downloads off mid-file.</summary>
    private static string ShutdownHocon(IngestionOptions options)
    {
        var drain = (int)Math.Ceiling((options.ShutdownGrace + DrainSlack + TimeSpan.FromSeconds(5)).TotalSeconds);
        var flush = (int)Math.Ceiling((BookmarkFlushTimeout + TimeSpan.FromSeconds(5)).TotalSeconds);
        return $$"""
            akka.coordinated-shutdown.phases.service-requests-done.timeout = {{drain}}s
            akka.coordinated-shutdown.phases.service-stop.timeout = {{flush}}s
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            """;
    }

    /// <summary>How long the generic host must wait for Akka's shutdown to finish.</summary>
    public static TimeSpan HostShutdownTimeout(IngestionOptions options) =>
        options.ShutdownGrace + DrainSlack + BookmarkFlushTimeout + TimeSpan.FromSeconds(20);
}
