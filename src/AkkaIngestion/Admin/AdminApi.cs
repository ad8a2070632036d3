using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using AkkaIngestion.Feeds;
using AkkaIngestion.Queueing;
using AkkaIngestion.Scheduling;
using AkkaIngestion.Sources;
using AkkaIngestion.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaIngestion.Admin;

/// <summary>
/// The admin endpoint's routes: health, readiness, metrics, the status page and the JSON API that <c>ctl</c> uses.
/// Every route, the page included, sits behind the bearer token when one is set.
/// </summary>
public static class AdminApi
{
    private static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(3);

    public static void MapAdminApi(this WebApplication app, AdminAddress address)
    {
        if (address.Token is { } token) app.Use(RequireToken(token));

        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", Readiness);
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/", () => Results.Content(StatusPage.Html, "text/html; charset=utf-8"));

        var api = app.MapGroup("/api");
        api.MapGet("/cluster", (NodeQueries node) => Results.Json(node.Cluster()));
        api.MapPost("/cluster/leave", (AddressRequest request, NodeQueries node, ActorSystem system) =>
            ClusterCommand(node, system, request.Address, (cluster, member) => cluster.Leave(member), "leaving"));
        api.MapPost("/cluster/down", (AddressRequest request, NodeQueries node, ActorSystem system) =>
            ClusterCommand(node, system, request.Address, (cluster, member) => cluster.Down(member), "downed"));
        api.MapPost("/cluster/down-unreachable", (NodeQueries node, ActorSystem system) =>
        {
            if (!node.Clustered) return Problem(400, "this node is not in a cluster");
            var cluster = Akka.Cluster.Cluster.Get(system);
            var downed = cluster.State.Unreachable.Select(m => m.Address).ToList();
            foreach (var member in downed) cluster.Down(member);
            return Results.Json(new { downed = downed.Select(a => a.ToString()) }, statusCode: 202);
        });
        api.MapGet("/actors", (int? depth, NodeQueries node, ActorSystem system) =>
            Results.Json(new { node = node.NodeName, actors = ActorTree.List(system, depth ?? 3) }));
        api.MapGet("/actors/count", (NodeQueries node, ActorSystem system) =>
        {
            var all = ActorTree.List(system, int.MaxValue);
            return Results.Json(new
            {
                node = node.NodeName,
                count = all.Count,
                user = all.Count(a => a.Path.StartsWith("/user/", StringComparison.Ordinal)),
                system = all.Count(a => a.Path.StartsWith("/system/", StringComparison.Ordinal)),
            });
        });
        api.MapGet("/ingest", IngestStatus);
        api.MapPost("/ingest/pause", (FeedRequest? request, NodeQueries node, CancellationToken token) => PauseOrResume(request, node, pause: true, token));
        api.MapPost("/ingest/resume", (FeedRequest? request, NodeQueries node, CancellationToken token) => PauseOrResume(request, node, pause: false, token));
        api.MapPost("/ingest/backfill", Backfill);
        api.MapPost("/ingest/retry-dlq", async (IFileQueue queue, CancellationToken token) =>
            Results.Json(new { redriven = await queue.RedriveDeadLettersAsync(token) }));
        api.MapPost("/workers", async (WorkersRequest request, NodeQueries node, CancellationToken token) =>
        {
            if (request.Workers is < 1 or > 1024) return Problem(400, $"workers must be between 1 and 1024, not {request.Workers}");
            var set = await node.AskBridge<WorkersSet>(new SetWorkers(request.Workers), token);
            return Results.Json(new { workers = set.Workers });
        });
    }

    private static Func<HttpContext, RequestDelegate, Task> RequireToken(string token)
    {
        var expected = Encoding.UTF8.GetBytes("Bearer " + token);
        return (context, next) =>
        {
            var given = Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
            if (CryptographicOperations.FixedTimeEquals(given, expected)) return next(context);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        };
    }

    private static async Task<IResult> Readiness(NodeQueries node, IObjectStore store, IFileQueue queue, ActorSystem system)
    {
        var checks = new Dictionary<string, string>
        {
            ["cluster"] = node.Clustered
                ? Akka.Cluster.Cluster.Get(system).SelfMember.Status == Akka.Cluster.MemberStatus.Up ? "ok" : "not joined (yet)"
                : "ok",
            ["store"] = await Check(token => store.CheckReachableAsync(token)),
            ["queue"] = await Check(token => queue.CheckReachableAsync(token)),
        };
        var ready = checks.Values.All(v => v == "ok");
        return Results.Json(new { ready, checks }, statusCode: ready ? 200 : 503);
    }

    private static async Task<string> Check(Func<CancellationToken, Task> check)
    {
        using var timeout = new CancellationTokenSource(ReadinessTimeout);
        try
        {
            await check(timeout.Token);
            return "ok";
        }
        catch (Exception e)
        {
            return timeout.IsCancellationRequested ? $"no answer within {ReadinessTimeout.TotalSeconds} s" : e.GetBaseException().Message;
        }
    }

    private static IResult ClusterCommand(NodeQueries node, ActorSystem system, string? address,
        Action<Akka.Cluster.Cluster, Address> command, string done)
    {
        if (!node.Clustered) return Problem(400, "this node is not in a cluster");
        var cluster = Akka.Cluster.Cluster.Get(system);
        var member = cluster.State.Members.FirstOrDefault(m => m.Address.ToString() == address);
        if (member is null) return Problem(404, $"no member {address} (see cluster show)");
        command(cluster, member.Address);
        return Results.Json(new { message = $"{member.Address} {done}" }, statusCode: 202);
    }

    private static async Task<IResult> IngestStatus(NodeQueries node, CancellationToken token)
    {
        var feeds = await node.FeedViews(token);
        var bridge = await node.AskBridge<BridgeStatus>(GetBridgeStatus.Instance, token);
        var activity = await node.Activity(token);
        var progress = node.Progress;
        return Results.Json(new
        {
            node = node.NodeName,
            feeds = feeds.Select(f => new
            {
                feedId = f.FeedId,
                bookmark = f.Status?.Bookmark,
                enqueuedThrough = f.Status?.EnqueuedThrough,
                settledThrough = f.Status?.SettledThrough,
                lagHours = f.LagHours,
                probesInFlight = f.Status?.ProbesInFlight,
                outstanding = f.Status?.Outstanding,
                found = f.Status?.Found,
                enqueued = f.Status?.Enqueued,
                gaps = f.Status?.Gaps ?? [],
                gapsRecorded = f.Status?.GapsRecorded,
                gapsFilled = f.Status?.GapsFilled,
                waitingAtEdge = f.Status?.WaitingAtEdge ?? [],
                rangeCompleted = f.Status?.RangeCompleted ?? false,
                paused = f.Status?.Paused ?? false,
                lastError = f.Problem ?? f.Status?.LastError,
                reachable = f.Status is not null,
            }),
            downloads = new
            {
                workers = bridge.Workers,
                inFlight = bridge.InFlight,
                dispatched = bridge.Dispatched,
                capacity = bridge.Capacity,
                stored = bridge.Stored,
                alreadyStored = bridge.AlreadyStored,
                deadLettered = bridge.DeadLettered,
                paused = bridge.Paused,
            },
            progress = new
            {
                filesStored = progress.FilesStored,
                bytesStored = progress.BytesStored,
                alreadyStored = progress.AlreadyStored,
                deadLettered = progress.DeadLettered,
                gapsRecorded = progress.GapsRecorded,
                elapsedSeconds = Math.Round(progress.Elapsed.TotalSeconds, 3),
                mebibytesPerSecond = Math.Round(progress.MebibytesPerSecond, 3),
            },
            throughput = activity.Throughput.Select(s => new
            {
                at = s.At,
                bytesPerSecond = s.Bytes / NodeActivity.BucketLength.TotalSeconds,
                filesPerSecond = s.Files / NodeActivity.BucketLength.TotalSeconds,
            }),
            recent = activity.Recent.Select(r => new { at = r.At, level = r.Level, message = r.Message }),
            deadLetters = activity.DeadLetters.Select(d => new { feed = d.FeedId, file = d.FileName, at = d.At }),
        });
    }

    private static async Task<IResult> PauseOrResume(FeedRequest? request, NodeQueries node, bool pause, CancellationToken token)
    {
        var feeds = request?.Feed is { } id
            ? node.Feed(id) is { } one ? [one] : null
            : node.Feeds;
        if (feeds is null) return Problem(404, $"no feed '{request!.Feed}' (feeds: {string.Join(", ", node.Feeds.Select(f => f.Id))})");
        object feedMessage = pause ? FeedScheduler.PauseFeed.Instance : FeedScheduler.ResumeFeed.Instance;
        var changed = await Task.WhenAll(feeds.Select(f => node.AskFeed<FeedScheduler.FeedPaused>(f.Id, feedMessage, token)));
        bool downloadsPaused;
        if (request?.Feed is null)
            downloadsPaused = (await node.AskBridge<DownloadsPaused>(pause ? PauseDownloads.Instance : ResumeDownloads.Instance, token)).Paused;
        else
            downloadsPaused = (await node.AskBridge<BridgeStatus>(GetBridgeStatus.Instance, token)).Paused;
        var names = changed.Select(c => c.FeedId).ToList();
        return Results.Json(pause
            ? new Dictionary<string, object> { ["paused"] = names, ["downloadsPaused"] = downloadsPaused }
            : new Dictionary<string, object> { ["resumed"] = names, ["downloadsPaused"] = downloadsPaused });
    }

    private static IResult Backfill(BackfillRequest request, NodeQueries node, ActorSystem system, IServiceProvider services)
    {
        if (request.Feed is null || node.Feed(request.Feed) is not { } feed)
            return Problem(404, $"no feed '{request.Feed}' (feeds: {string.Join(", ", node.Feeds.Select(f => f.Id))})");
        if (!ArchiveHour.TryParse(request.From, out var from, out var fromError)) return Problem(400, $"from: {fromError}");
        if (!ArchiveHour.TryParse(request.To, out var to, out var toError)) return Problem(400, $"to: {toError}");
        if (to < from) return Problem(400, $"to {request.To} is before from {request.From}");
        var hours = (int)(to - from).TotalHours + 1;
        var options = services.GetRequiredService<Hosting.IngestionOptions>();
        system.ActorOf(Scheduling.Backfill.Props(feed, from, to, services.GetRequiredService<IArchiveSource>(),
            services.GetRequiredService<IFileQueue>(), Math.Max(1, options.ProbeParallelism)));
        return Results.Json(new { feed = feed.Id, hours }, statusCode: 202);
    }

    private static IResult Problem(int status, string error) => Results.Json(new { error }, statusCode: status);

    public sealed record AddressRequest(string? Address);

    public sealed record FeedRequest(string? Feed);

    public sealed record BackfillRequest(string? Feed, string? From, string? To);

    public sealed record WorkersRequest(int Workers);
}
