namespace AkkaIngestion.Downloading;

/// <summary>
/// One per node: cancelled when a stopping node's grace period is over, so downloads still running abort their
/// uploads (nothing half-written becomes visible) and report <see cref="DownloadOutcome.Interrupted"/>.
/// </summary>
public sealed class DownloadCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();

    public CancellationToken Token => _source.Token;

    public void CancelAll() => _source.Cancel();

    public void Dispose() => _source.Dispose();
}
