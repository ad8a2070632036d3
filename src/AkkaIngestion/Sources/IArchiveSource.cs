using AkkaIngestion.Feeds;

namespace AkkaIngestion.Sources;

/// <summary>Where hourly files come from: a HEAD to learn whether an hour exists, a GET to stream it.</summary>
public interface IArchiveSource
{
    /// <summary>HEAD the file. 404/410 answer <see cref="ProbeOutcome.Missing"/>; anything else unexpected throws <see cref="SourceException"/>.</summary>
    Task<ProbeResult> ProbeAsync(FeedDefinition feed, string fileName, CancellationToken cancellationToken);

    /// <summary>GET the file, returning once the headers are read; the body is streamed by the caller. A non-200 throws <see cref="SourceException"/>.</summary>
    Task<SourceResponse> OpenAsync(FeedDefinition feed, string fileName, CancellationToken cancellationToken);
}

public enum ProbeOutcome { Found, Missing }

public sealed record ProbeResult(ProbeOutcome Outcome, long? Length, string? ETag = null);

/// <summary>An open GET whose body has not been read yet. Disposing it releases the connection.</summary>
public sealed class SourceResponse(Stream body, long? length, string? etag, IDisposable? owner) : IAsyncDisposable
{
    public Stream Body { get; } = body;

    /// <summary>Content-Length as announced; null when the source streamed without one.</summary>
    public long? Length { get; } = length;

    public string? ETag { get; } = etag;

    public async ValueTask DisposeAsync()
    {
        await Body.DisposeAsync();
        owner?.Dispose();
    }
}

/// <summary>The source answered something other than the file. <see cref="IsTransient"/> says whether trying again can help.</summary>
public sealed class SourceException(string message, int? statusCode, bool isTransient, Exception? inner = null)
    : Exception(message, inner)
{
    public int? StatusCode { get; } = statusCode;
    public bool IsTransient { get; } = isTransient;

    public static SourceException ForStatus(Uri url, int statusCode) => new(
        $"{url} answered HTTP {statusCode}",
        statusCode,
        isTransient: statusCode >= 500 || statusCode is 408 or 429 or 404);
}
