using System.Text.Json;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.EndToEnd.Aws.Fauxqs;
using static AkkaIngestion.EndToEnd.Aws.Runs.FauxqsRun;

namespace AkkaIngestion.EndToEnd.Aws.Runs;

/// <summary>A node killed outright (SIGKILL) mid-download, and the run started again.</summary>
[Collection(FauxqsCollection.Name)]
public sealed class CrashRecoveryTests(FauxqsServer fauxqs) : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly FauxqsRun _aws = new(fauxqs);

    [Fact]
    public async Task A_run_killed_mid_upload_and_started_again_stores_every_file_once_and_leaves_nothing_behind_it()
    {
        await _aws.SetupAsync();
        // Above one 8 MiB part, so each is a multipart upload; at 4 MiB/s each download takes 3 s.
        var generated = ArchiveGenerator.Generate(_aws.Temp.Sub("archive"), Hour("2024-02-28T20"), Hour("2024-02-29T01"), 12 * MiB, []);
        await using var sim = await ArchiveSimServer.StartAsync(new ArchiveSimOptions
        {
            Root = Path.GetDirectoryName(generated[0].Path)!, RateLimitBytesPerSecond = 4 * MiB,
        });
        // The killed node's messages come back 5 s after its last receive or extension.
        (string, string)[] environment = [("AKKA_INGEST__VISIBILITYTIMEOUT", "00:00:05")];

        await using (var killed = _aws.StartRun(sim.BaseUrl, "2024-02-28T20", "2024-02-29T01", environment, "--workers", "3"))
        {
            await WaitUntilAsync(() => _aws.OpenMultipartUploads().Count > 0 && sim.Stats.GetsInFlight > 0, FauxqsRun.Timeout,
                "a multipart upload in progress", () => killed.Stdout + killed.Stderr);
            killed.Process.Kill(); // SIGKILL: no drain, no release, no abort.
            await killed.WaitAsync(TimeSpan.FromSeconds(10));
        }
        var leftByTheKill = _aws.OpenMultipartUploads();
        Assert.NotEmpty(leftByTheKill);
        Assert.True(await _aws.StoredKeysAsync() is var stored && stored.Count < generated.Count, "the kill came too late: everything was stored");

        await using var restarted = _aws.StartRun(sim.BaseUrl, "2024-02-28T20", "2024-02-29T01", environment, "--workers", "3");
        Assert.Equal(0, await restarted.WaitAsync(FauxqsRun.Timeout));
        var summary = JsonDocument.Parse(restarted.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(0, summary.GetProperty("deadLetters").GetInt32());
        // The restart looked for stale uploads; fauxqs answers ListMultipartUploads with an empty list, so it found none.
        Assert.Contains("stale multipart upload(s) older than", restarted.Stderr);

        await _aws.AssertStoredByteIdenticalAsync(generated);
        // Every upload the restarted run began was completed or aborted. The killed run's own stay open on fauxqs:
        // on S3 the next run's AbortStaleUploadsAsync (after StaleUploadAge) removes them, but fauxqs cannot list them.
        Assert.All(_aws.OpenMultipartUploads(), open => Assert.Contains(open, leftByTheKill));
        Assert.All(leftByTheKill, open => Assert.StartsWith("mirror/raw/", open.Key));
        foreach (var open in leftByTheKill) await _aws.S3.AbortMultipartUploadAsync(_aws.Bucket, open.Key, open.UploadId);
        Assert.Empty(_aws.OpenMultipartUploads());

        // Both runs sent every hour. The restarted run ends once each file is stored, so copies it did not get to may
        // remain: they must be duplicates of stored files, nothing else (the killed run's messages reappear after 5 s).
        var queueUrl = await _aws.QueueUrlAsync();
        await WaitUntilAsync(async () => await _aws.MessagesInFlightAsync(queueUrl) == 0, TimeSpan.FromSeconds(30),
            "the killed run's messages to become visible again");
        var names = generated.Select(g => g.Name).ToHashSet();
        Assert.All(await _aws.DrainBodiesAsync(queueUrl), body => Assert.Contains(body, names));
        Assert.Equal(0, await _aws.MessagesInAsync(queueUrl));
        Assert.Equal(0, await _aws.MessagesInAsync(await _aws.DeadLetterQueueUrlAsync()));
    }

    public void Dispose() => _aws.Dispose();
}
