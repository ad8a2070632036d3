using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace AkkaIngestion.EndToEnd.StatusPage;

/// <summary>
/// Serves the embedded status page and whatever admin answers the test sets, on 127.0.0.1 and a free port, so the page
/// can be checked against known JSON. With a token the API answers 401 without it, as a node does; the page itself is
/// served to anyone (it holds no data), so a browser can open it and show the 401.
/// </summary>
internal sealed class StubAdminNode : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly WebApplication _app;
    private readonly string? _token;
    private volatile object _ingest = new { };
    private volatile object _cluster = new { };

    private StubAdminNode(string? token)
    {
        _token = token;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    public Uri BaseUrl => new($"http://127.0.0.1:{new Uri(_app.Urls.Single()).Port}/");

    public static async Task<StubAdminNode> StartAsync(string? token = null)
    {
        var node = new StubAdminNode(token);
        await node._app.StartAsync();
        return node;
    }

    /// <summary>The next GET /api/ingest answer, serialized like the node's (camelCase).</summary>
    public void SetIngest(object ingest) => _ingest = ingest;

    public void SetCluster(object cluster) => _cluster = cluster;

    /// <summary>Stops answering: connections are refused from now on, as when the node process is gone.</summary>
    public Task StopAsync() => _app.StopAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (path == "/")
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync(global::AkkaIngestion.Admin.StatusPage.Html);
            return;
        }
        if (_token is not null && context.Request.Headers.Authorization != $"Bearer {_token}")
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        object? answer = path switch
        {
            "/api/ingest" => _ingest,
            "/api/cluster" => _cluster,
            _ => null,
        };
        if (answer is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(answer, Web));
    }
}
