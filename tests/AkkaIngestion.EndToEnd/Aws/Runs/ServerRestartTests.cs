using System.Text.Json;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.EndToEnd.Aws.Fauxqs;
using static AkkaIngestion.EndToEnd.Aws.Runs.FauxqsRun;

namespace AkkaIngestion.EndToEnd.Aws.Runs;

/// <summary>
/// S3 and SQS go away mid-run and come back (same port, same state, as AWS after an outage): the run rides it out.
/// Its own fauxqs with SQS persisted, since an in-memory fauxqs forgets every queue on restart, which no AWS outage does.
/// In the fauxqs collection only so that it does not run beside the other process tests.
/// </summary>
[Collection(FauxqsCollection.Name)]
public sealed class ServerRestartTests : IAsyncLifetime
{
    private const long KiB = 1024;
    private readonly FauxqsServer _fauxqs = new() { PersistSqs = true };
    private FauxqsRun _aws = null!;

    public async Task InitializeAsync()
    {
        await _fauxqs.InitializeAsync();
        _aws = new FauxqsRun(_fauxqs);
    }

    [Fact]
    public async Task A_run_survives_its_S3_and_SQS_server_restarting_and_stores_every_file()
    {
        await _aws.SetupAsync();
        var generated = ArchiveGenerator.Generate(_aws.Temp.Sub("archive"), Hour("2024-02-28T20"), Hour("2024-02-29T03"), 1024 * KiB, []);
        await using var sim = await ArchiveSimServer.StartAsync(new ArchiveSimOptions
        {
            Root = Path.GetDirectoryName(generated[0].Path)!, RateLimitBytesPerSecond = 512 * KiB,
        });

        // A short visibility timeout: a message whose ack was lost in the outage comes back soon and is acked as stored.
        await using var run = _aws.StartRun(sim.BaseUrl, "2024-02-28T20", "2024-02-29T03",
            [("AKKA_INGEST__VISIBILITYTIMEOUT", "00:00:05")], "--workers", "2");
        await WaitUntilAsync(() => sim.Stats.GetsInFlight > 0 && sim.Stats.Gets >= 3, FauxqsRun.Timeout,
            "downloads under way", () => run.Stderr);

        await _fauxqs.StopAsync();
        await WaitUntilAsync(() => run.Stderr.Contains("Connection refused", StringComparison.OrdinalIgnoreCase) || run.Process.HasExited,
            TimeSpan.FromSeconds(30), "the run to notice the outage", () => run.Stderr);
        Assert.False(run.Process.HasExited, $"the run ended during the outage:\n{run.Stdout}\n{run.Stderr}");
        await _fauxqs.StartAsync();

        Assert.True(await run.WaitAsync(FauxqsRun.Timeout) == 0, $"{run.Stdout}\n{run.Stderr}");
        var summary = JsonDocument.Parse(run.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.True(summary.GetProperty("completed").GetBoolean(), run.Stdout);
        Assert.Equal(0, summary.GetProperty("deadLetters").GetInt32());
        await _aws.AssertStoredByteIdenticalAsync(generated);
        Assert.Empty(_aws.OpenMultipartUploads());
    }

    public async Task DisposeAsync()
    {
        _aws.Dispose();
        await _fauxqs.DisposeAsync();
    }
}
