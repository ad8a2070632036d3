using Microsoft.Extensions.Hosting;

namespace AkkaIngestion.ArchiveSim;

/// <summary>
/// Replaces the default console lifetime, which would take SIGTERM and Ctrl+C for itself and stop only the simulator,
/// leaving the process that embeds it (a test run, the CLI) never told. The owner stops the simulator explicitly.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
