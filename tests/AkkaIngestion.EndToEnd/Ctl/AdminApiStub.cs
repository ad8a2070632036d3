using System.Collections.Concurrent;
using System.Text.Json;
using AkkaIngestion.Feeds;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AkkaIngestion.EndToEnd.Ctl;

/// <summary>
/// A node's admin API as /work/admin-api.md describes it, with canned answers, on a free loopback port; it records
/// every request so tests can see exactly what ctl sent. 400/404 answers follow the contract's <c>{"error": ...}</c>.
/// </summary>
internal sealed class AdminApiStub : IAsyncDisposable
{
    public const string Self = "akka.tcp://akka-ingest@127.0.0.1:4701";
    public const string Other = "akka.tcp://akka-ingest@127.0.0.1:4702";
    public const string Gone = "akka.tcp://akka-ingest@127.0.0.1:4703";

    public const string Ingest = """
        {
          "node": "akka.tcp://akka-ingest@127.0.0.1:4701",
          "feeds": [ { "feedId": "gharchive", "bookmark": "2024-03-01-5.json.gz", "enqueuedThrough": "2024-03-01T05",
                       "settledThrough": "2024-03-01T05", "lagHours": 12.0, "probesInFlight": 2, "outstanding": 3,
                       "found": 36, "enqueued": 36, "gaps": ["2024-02-29-7.json.gz"], "gapsRecorded": 1, "gapsFilled": 0,
                       "waitingAtEdge": [], "rangeCompleted": false, "paused": false, "lastError": null, "reachable": true },
                     { "feedId": "wikimedia", "bookmark": null, "enqueuedThrough": null, "settledThrough": null,
                       "lagHours": null, "probesInFlight": 0, "outstanding": 0, "found": 0, "enqueued": 0, "gaps": [],
                       "gapsRecorded": 0, "gapsFilled": 0, "waitingAtEdge": [], "rangeCompleted": false, "paused": true,
                       "lastError": null, "reachable": true },
                     { "feedId": "moving", "bookmark": null, "enqueuedThrough": null, "settledThrough": null, "lagHours": null,
                       "probesInFlight": null, "outstanding": null, "found": null, "enqueued": null, "gaps": [],
                       "gapsRecorded": null, "gapsFilled": null, "waitingAtEdge": [], "rangeCompleted": false, "paused": false,
                       "lastError": "its scheduler did not answer", "reachable": false } ],
          "downloads": { "workers": 8, "inFlight": 2, "dispatched": 2, "capacity": 10, "stored": 30, "alreadyStored": 6,
                         "deadLettered": 1, "paused": false },
          "progress": { "filesStored": 30, "bytesStored": 1234, "alreadyStored": 6, "deadLettered": 1, "gapsRecorded": 1,
                        "elapsedSeconds": 12.5, "mebibytesPerSecond": 3.2 },
          "throughput": [ { "at": "2026-11-24T20:00:05Z", "bytesPerSecond": 1048576, "filesPerSecond": 2.0 } ],
          "recent": [ { "at": "2026-11-24T20:00:04Z", "level": "warning", "message": "2024-03-01-2.json.gz: 503, retrying" } ],
          "deadLetters": [ { "feed": "gharchive", "file": "2024-03-01-3.json.gz", "reason": "truncated body after 6 attempts", "at": "2026-11-24T20:00:03Z" } ]
        }
        """;

    private static readonly string[] ActorPaths =
    [
        "/system", "/system/log1-DefaultLogger", "/user", "/user/feed-scheduler-gharchive", "/user/queue-bridge",
        "/user/queue-bridge/download-router", "/user/queue-bridge/download-router/$a", "/user/queue-bridge/download-router/$b",
    ];

    private readonly WebApplication _app;

    private AdminApiStub(WebApplication app, string node)
    {
        _app = app;
        Node = node;
    }

    /// <summary>host:port, as --node takes it.</summary>
    public string Node { get; }

    public ConcurrentQueue<StubRequest> Requests { get; } = new();

    public sealed record StubRequest(string Method, string PathAndQuery, string Body, string? Authorization);

    /// <param name="token">When set, every request needs <c>Authorization: Bearer token</c>, else 401 with no body.</param>
    public static async Task<AdminApiStub> StartAsync(string? token = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        AdminApiStub? stub = null;
        app.Use(async (context, next) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var authorization = context.Request.Headers.Authorization.ToString();
            stub!.Requests.Enqueue(new StubRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, body,
                authorization.Length == 0 ? null : authorization));
            if (token is not null && authorization != "Bearer " + token)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            context.Items["body"] = body;
            await next(context);
        });
        Map(app);
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        stub = new AdminApiStub(app, $"127.0.0.1:{address.Port}");
        return stub;
    }

    private static void Map(WebApplication app)
    {
        app.MapGet("/api/cluster", () => Results.Json(new
        {
            mode = "cluster",
            self = Self,
            leader = Self,
            members = new object[]
            {
                new { address = Self, status = "Up", roles = new[] { "ingest" }, reachable = true },
                new { address = Other, status = "Up", roles = new[] { "ingest", "seed" }, reachable = false },
            },
            unreachable = new[] { Other, Gone },
        }));
        app.MapPost("/api/cluster/leave", (HttpContext context) => Address(context) is Self or Other
            ? Results.Json(new { message = $"{Address(context)} is leaving" }, statusCode: 202)
            : Error(400, $"no member at '{Address(context)}'"));
        app.MapPost("/api/cluster/down", (HttpContext context) => Results.Json(new { message = $"{Address(context)} downed" }, statusCode: 202));
        app.MapPost("/api/cluster/down-unreachable", () => Results.Json(new { downed = new[] { Other } }, statusCode: 202));
        app.MapGet("/api/actors", (int? depth) => Results.Json(new
        {
            node = Self,
            actors = ActorPaths.Select(path => new { path, depth = path.Count(c => c == '/') - 1 }).Where(a => depth is null || a.depth <= depth),
        }));
        app.MapGet("/api/actors/count", () => Results.Json(new { node = Self, count = 123, user = 40, system = 83 }));
        app.MapGet("/api/ingest", () => Results.Text(Ingest, "application/json"));
        app.MapPost("/api/ingest/pause", (HttpContext context) => Feed(context) is { } feed
            ? Results.Json(new { paused = new[] { feed }, downloadsPaused = false })
            : Results.Json(new { paused = new[] { "gharchive", "wikimedia" }, downloadsPaused = true }));
        app.MapPost("/api/ingest/resume", (HttpContext context) => Results.Json(new { resumed = new[] { Feed(context) ?? "gharchive" }, downloadsPaused = false }));
        app.MapPost("/api/ingest/backfill", (HttpContext context) =>
        {
            var body = JsonDocument.Parse((string)context.Items["body"]!).RootElement;
            if (body.GetProperty("feed").GetString() != "gharchive") return Error(404, $"no feed '{body.GetProperty("feed").GetString()}' on this node");
            ArchiveHour.TryParse(body.GetProperty("from").GetString(), out var from, out _);
            ArchiveHour.TryParse(body.GetProperty("to").GetString(), out var to, out _);
            return Results.Json(new { feed = "gharchive", hours = ArchiveHour.Range(from, to).Count() }, statusCode: 202);
        });
        app.MapPost("/api/ingest/retry-dlq", () => Results.Json(new { redriven = 4 }));
        app.MapPost("/api/workers", (HttpContext context) =>
        {
            var workers = JsonDocument.Parse((string)context.Items["body"]!).RootElement.GetProperty("workers").GetInt32();
            return workers > 64 ? Error(409, "at most 64 workers on this node") : Results.Json(new { workers });
        });
    }

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    private static string? Address(HttpContext context) =>
        JsonDocument.Parse((string)context.Items["body"]!).RootElement.GetProperty("address").GetString();

    private static string? Feed(HttpContext context) =>
        JsonDocument.Parse((string)context.Items["body"]!).RootElement.TryGetProperty("feed", out var feed) ? feed.GetString() : null;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
