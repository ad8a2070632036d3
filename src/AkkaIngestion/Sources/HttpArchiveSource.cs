using System.Net;
using AkkaIngestion.Feeds;

namespace AkkaIngestion.Sources;

/// <summary>An archive served over HTTP(S), like data.gharchive.org or the project's archive simulator.</summary>
public sealed class HttpArchiveSource(HttpClient http) : IArchiveSource
{
    public static HttpClient CreateClient(int maxConnectionsPerServer)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnectionsPerServer,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(15),
        };
        // Bodies are streamed for minutes; a per-read stall is caught by the downloader, not by a whole-request timeout.
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task<ProbeResult> ProbeAsync(FeedDefinition feed, string fileName, CancellationToken cancellationToken)
    {
        var url = feed.FileUrl(fileName);
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new SourceException($"{url}: {e.Message}", null, isTransient: true, e);
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.OK)
                return new ProbeResult(ProbeOutcome.Found, response.Content.Headers.ContentLength, response.Headers.ETag?.Tag);
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
                return new ProbeResult(ProbeOutcome.Missing, null);
            throw SourceException.ForStatus(url, (int)response.StatusCode);
        }
    }

    public async Task<SourceResponse> OpenAsync(FeedDefinition feed, string fileName, CancellationToken cancellationToken)
    {
        var url = feed.FileUrl(fileName);
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            request.Dispose();
            throw new SourceException($"{url}: {e.Message}", null, isTransient: true, e);
        }
        if (response.StatusCode != HttpStatusCode.OK)
        {
            response.Dispose();
            request.Dispose();
            throw SourceException.ForStatus(url, (int)response.StatusCode);
        }
        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return new SourceResponse(body, response.Content.Headers.ContentLength, response.Headers.ETag?.Tag,
            new CompositeDisposable(response, request));
    }

    private sealed class CompositeDisposable(params IDisposable[] parts) : IDisposable
    {
        public void Dispose()
        {
            foreach (var part in parts) part.Dispose();
        }
    }
}
