using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace AkkaIngestion.Cli.Commands.Ctl;

/// <summary>An answer of the admin endpoint: typed for tables, and the JSON exactly as the endpoint sent it for --json.</summary>
public sealed record AdminAnswer<T>(T Value, string Json);

/// <summary>
/// Typed calls to a node's admin HTTP API (/work/admin-api.md). Every failure (node unreachable, token refused, a 4xx
/// or 5xx, an answer that is not the API's JSON) is an <see cref="AdminCallException"/> whose message names the node.
/// </summary>
public sealed class AdminClient : IDisposable
{
    public const string TokenVariable = "AKKA_INGEST_ADMIN_TOKEN";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;
    private readonly bool _hasToken;

    public AdminClient(AdminNode node, string? token, TimeSpan? timeout = null)
    {
        Node = node;
        _http = new HttpClient { BaseAddress = node.BaseUrl, Timeout = timeout ?? DefaultTimeout };
        _hasToken = !string.IsNullOrEmpty(token);
        if (_hasToken) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public AdminNode Node { get; }

    public Task<AdminAnswer<ClusterState>> GetClusterAsync(CancellationToken cancellationToken) =>
        SendAsync<ClusterState>(HttpMethod.Get, "api/cluster", null, cancellationToken);

    public Task<AdminAnswer<AdminMessage>> LeaveAsync(string address, CancellationToken cancellationToken) =>
        SendAsync<AdminMessage>(HttpMethod.Post, "api/cluster/leave", new { address }, cancellationToken);

    public Task<AdminAnswer<AdminMessage>> DownAsync(string address, CancellationToken cancellationToken) =>
        SendAsync<AdminMessage>(HttpMethod.Post, "api/cluster/down", new { address }, cancellationToken);

    public Task<AdminAnswer<DownedMembers>> DownUnreachableAsync(CancellationToken cancellationToken) =>
        SendAsync<DownedMembers>(HttpMethod.Post, "api/cluster/down-unreachable", null, cancellationToken);

    public Task<AdminAnswer<ActorList>> GetActorsAsync(int? depth, CancellationToken cancellationToken) =>
        SendAsync<ActorList>(HttpMethod.Get, depth is { } d ? $"api/actors?depth={d}" : "api/actors", null, cancellationToken);

    public Task<AdminAnswer<ActorCount>> CountActorsAsync(CancellationToken cancellationToken) =>
        SendAsync<ActorCount>(HttpMethod.Get, "api/actors/count", null, cancellationToken);

    public Task<AdminAnswer<IngestState>> GetIngestAsync(CancellationToken cancellationToken) =>
        SendAsync<IngestState>(HttpMethod.Get, "api/ingest", null, cancellationToken);

    /// <param name="feed">One feed's scheduler; null pauses every feed of the node and its downloads.</param>
    public Task<AdminAnswer<PauseAnswer>> PauseAsync(string? feed, CancellationToken cancellationToken) =>
        SendAsync<PauseAnswer>(HttpMethod.Post, "api/ingest/pause", FeedBody(feed), cancellationToken);

    public Task<AdminAnswer<ResumeAnswer>> ResumeAsync(string? feed, CancellationToken cancellationToken) =>
        SendAsync<ResumeAnswer>(HttpMethod.Post, "api/ingest/resume", FeedBody(feed), cancellationToken);

    /// <param name="from">First hour, yyyy-MM-ddTHH.</param>
    /// <param name="to">Last hour (inclusive), yyyy-MM-ddTHH.</param>
    public Task<AdminAnswer<BackfillAnswer>> BackfillAsync(string feed, string from, string to, CancellationToken cancellationToken) =>
        SendAsync<BackfillAnswer>(HttpMethod.Post, "api/ingest/backfill", new { feed, from, to }, cancellationToken);

    public Task<AdminAnswer<RedriveAnswer>> RetryDeadLettersAsync(CancellationToken cancellationToken) =>
        SendAsync<RedriveAnswer>(HttpMethod.Post, "api/ingest/retry-dlq", null, cancellationToken);

    public Task<AdminAnswer<WorkersAnswer>> SetWorkersAsync(int workers, CancellationToken cancellationToken) =>
        SendAsync<WorkersAnswer>(HttpMethod.Post, "api/workers", new { workers }, cancellationToken);

    public void Dispose() => _http.Dispose();

    private static object FeedBody(string? feed) => feed is null ? new { } : new { feed };

    private async Task<AdminAnswer<T>> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body, options: Web);
        else if (method == HttpMethod.Post) request.Content = new StringContent("", null, "application/json");
        string text;
        HttpStatusCode status;
        string? reasonPhrase;
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            status = response.StatusCode;
            reasonPhrase = response.ReasonPhrase;
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException is SocketException socket ? socket.Message : e.Message;
            throw new AdminCallException($"cannot reach the admin endpoint of the node at {Node} ({reason}); is the node running with --admin {Node}?", Cli.Usage);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AdminCallException($"the node at {Node} did not answer {method} /{path} within {_http.Timeout.TotalSeconds:0} s", Cli.Usage);
        }

        if (status == HttpStatusCode.Unauthorized)
        {
            throw new AdminCallException(_hasToken
                ? $"the node at {Node} refused the token (401); check --token or {TokenVariable}"
                : $"the node at {Node} wants a token (401); pass --token or set {TokenVariable}", Cli.Usage);
        }
        if ((int)status is >= 400)
        {
            var what = $"the node at {Node} answered {(int)status} {reasonPhrase ?? status.ToString()} to {method} /{path}";
            var problem = ErrorOf(text);
            throw new AdminCallException(problem is null ? what : $"{what}: {problem}", (int)status >= 500 ? Cli.Failed : Cli.Usage);
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(text, Web) ?? throw new JsonException("the answer is null");
            return new AdminAnswer<T>(value, text);
        }
        catch (JsonException e)
        {
            throw new AdminCallException($"the node at {Node} answered {method} /{path} with something other than the admin API's JSON ({e.Message})", Cli.Usage);
        }
    }

    /// <summary>The endpoint's one-line <c>{"error": "..."}</c>, or the start of a body that is not that.</summary>
    private static string? ErrorOf(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                return error.GetString();
        }
        catch (JsonException)
        {
            // Not the API's error shape (a proxy's page, a plain-text 404): show the start of it.
        }
        var firstLine = body.Trim().Split('\n')[0].Trim();
        return firstLine.Length <= 200 ? firstLine : firstLine[..200] + "...";
    }
}
