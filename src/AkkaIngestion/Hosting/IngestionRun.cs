using Akka.Actor;
using Akka.Hosting;
using AkkaIngestion.Admin;
using AkkaIngestion.Queueing;
using AkkaIngestion.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace AkkaIngestion.Hosting;

/// <summary>How a run ended: its counters, and whether it was stopped (Ctrl+C, SIGTERM) before its range was done.</summary>
public sealed record RunOutcome(ProgressSnapshot Progress, bool Interrupted);

/// <summary>
/// Runs one node in this process: starts the host with the pipeline, reports progress, and stops cleanly when a bounded
/// range is done or <c>cancellationToken</c> fires (in-flight files finish within the grace period or go back to the queue).
/// The host is built and started while <c>ready</c> (the caller's checks) runs; its pipeline starts only if they succeed.
/// </summary>
public static class IngestionRun
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    public static async Task<RunOutcome> ExecuteAsync(
        IngestionOptions options,
        RunPlan plan,
        IObjectStore store,
        IFileQueue queue,
        AdminAddress admin,
        Task ready,
        Action<ILoggingBuilder> configureLogging,
        Action<ProgressSnapshot>? onProgress,
        CancellationToken cancellationToken)
    {
        void Configure(IHostApplicationBuilder builder)
        {
            builder.Logging.ClearProviders();
            configureLogging(builder.Logging);
            builder.Services.Configure<HostOptions>(o =>
            {
                o.ShutdownTimeout = IngestionHosting.HostShutdownTimeout(options);
                // The actor system and the admin endpoint need nothing from each other to start.
                o.ServicesStartConcurrently = true;
            });
            builder.Services.AddSingleton(store);
            builder.Services.AddSingleton(queue);
            builder.Services.AddIngestionNode(options, plan, ready);
        }

        using var host = BuildHost(admin, Configure);
        // Alone, the actor system and the admin endpoint start while the checks wait on the network (the pipeline waits for
        // the checks: AddIngestionNode). A cluster node joins its cluster only once they hold.
        if (plan.Clustered) await ready;
        var starting = host.StartAsync(cancellationToken);
        try
        {
            await ready;
        }
        catch
        {
            // The pipeline did not start: the node stops without a word, and the caller reports why in one line.
            await starting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (starting.IsCompletedSuccessfully)
                host.Services.GetRequiredService<ActorSystem>().EventStream.SetLogLevel(Akka.Event.LogLevel.WarningLevel);
            await host.StopAsync(CancellationToken.None);
            throw;
        }
        await starting;
        if (host is WebApplication web)
        {
            var address = web.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            Console.Error.WriteLine($"admin endpoint at {address.TrimEnd('/')}/");
        }
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        var progress = await registry.GetAsync<IngestionProgress>(cancellationToken);
        var board = host.Services.GetRequiredService<ProgressBoard>();

        var interrupted = false;
        using (var reporting = new CancellationTokenSource())
        {
            var reporter = onProgress is null ? Task.CompletedTask : ReportAsync(board, onProgress, reporting.Token);
            try
            {
                if (plan.ExitsWhenDone)
                    await progress.Ask<ProgressSnapshot>(IngestionProgress.WhenRangeCompleted.Instance, Timeout.InfiniteTimeSpan, cancellationToken);
                else
                    await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                interrupted = true;
            }
            finally
            {
                await reporting.CancelAsync();
                await reporter;
            }
        }

        // Stopping runs the coordinated shutdown: drain downloads, flush bookmarks, then stop the actors.
        await host.StopAsync(CancellationToken.None);
        var final = board.Current;
        onProgress?.Invoke(final);
        return new RunOutcome(final, interrupted);
    }

    /// <summary>With an admin address, a web host serving the admin API beside Akka; without, a plain generic host.</summary>
    private static IHost BuildHost(AdminAddress admin, Action<IHostApplicationBuilder> configure)
    {
        if (admin.EndPoint is not { } endPoint)
        {
            var plain = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            configure(plain);
            return plain.Build();
        }
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(endPoint));
        builder.Services.AddRoutingCore();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(IngestionHosting.SystemName))
            .WithMetrics(metrics => metrics
                .AddMeter(IngestionMetrics.MeterName)
                .AddView(IngestionMetrics.DownloadDuration.Name,
                    new ExplicitBucketHistogramConfiguration { Boundaries = IngestionMetrics.DurationBuckets })
                .AddPrometheusExporter());
        configure(builder);
        var app = builder.Build();
        app.MapAdminApi(admin);
        return app;
    }

    private static async Task ReportAsync(ProgressBoard board, Action<ProgressSnapshot> onProgress, CancellationToken token)
    {
        using var timer = new PeriodicTimer(ProgressInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(token)) onProgress(board.Current);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }
}
