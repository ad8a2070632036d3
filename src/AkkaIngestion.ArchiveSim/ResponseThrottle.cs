using System.Diagnostics;

namespace AkkaIngestion.ArchiveSim;

/// <summary>Paces one response body to a byte rate by sleeping whenever it runs ahead of schedule.</summary>
internal sealed class ResponseThrottle(long bytesPerSecond)
{
    private readonly long startedAt = Stopwatch.GetTimestamp();

    /// <summary>About ten writes a second, so a slow rate is smooth and a fast one is not dominated by timer wake-ups.</summary>
    public int ChunkSize(int bufferSize) => (int)Math.Clamp(bytesPerSecond / 10, 1, bufferSize);

    /// <summary>Waits until the rate allows <paramref name="bytesSentAfterWrite"/> bytes to have gone out in all.</summary>
    public Task WaitUntilAllowedAsync(long bytesSentAfterWrite, CancellationToken cancellationToken)
    {
        var due = TimeSpan.FromSeconds((double)bytesSentAfterWrite / bytesPerSecond);
        var ahead = due - Stopwatch.GetElapsedTime(startedAt);
        return ahead > TimeSpan.Zero ? Task.Delay(ahead, cancellationToken) : Task.CompletedTask;
    }
}
