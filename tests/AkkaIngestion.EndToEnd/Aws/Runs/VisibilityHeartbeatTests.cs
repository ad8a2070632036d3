using System.Text.Json;
using Amazon.SQS.Model;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.EndToEnd.Aws.Fauxqs;
using static AkkaIngestion.EndToEnd.Aws.Runs.FauxqsRun;

namespace AkkaIngestion.EndToEnd.Aws.Runs;

/// <summary>A download longer than the visibility timeout keeps its message hidden: no other consumer gets it.</summary>
[Collection(FauxqsCollection.Name)]
public sealed class VisibilityHeartbeatTests(FauxqsServer fauxqs) : IDisposable
{
    private const long KiB = 1024;
    private readonly FauxqsRun _aws = new(fauxqs);

    [Fact]
    public async Task A_download_of_8_s_under_a_3_s_visibility_timeout_is_delivered_once()
    {
        await _aws.SetupAsync();
        var generated = ArchiveGenerator.Generate(_aws.Temp.Sub("archive"), Hour("2024-02-28T20"), Hour("2024-02-28T20"), 4096 * KiB, []);
        var file = generated[0].Name;
        await using var sim = await ArchiveSimServer.StartAsync(new ArchiveSimOptions
        {
            Root = Path.GetDirectoryName(generated[0].Path)!, RateLimitBytesPerSecond = 512 * KiB,
        });
        var queueUrl = await _aws.QueueUrlAsync();

        await using var run = _aws.StartRun(sim.BaseUrl, "2024-02-28T20", "2024-02-28T20",
            [("AKKA_INGEST__VISIBILITYTIMEOUT", "00:00:03")], "--workers", "1");
        await WaitUntilAsync(() => sim.Stats.GetsInFlight > 0 || run.Process.HasExited, FauxqsRun.Timeout,
            "the download to start", () => run.Stderr);

        // The test competes for the queue while the file downloads: if the message ever became visible again it
        // would be handed out here, as it would be to another node.
        var stolen = new List<string>();
        while (!run.Process.HasExited)
        {
            var received = await _aws.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest(queueUrl) { MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
            foreach (var message in received.Messages ?? [])
            {
                stolen.Add(message.Body);
                await _aws.Sqs.ChangeMessageVisibilityAsync(queueUrl, message.ReceiptHandle, 0);
            }
        }

        Assert.True(run.Process.ExitCode == 0, $"exit {run.Process.ExitCode}\n{run.Stdout}\n{run.Stderr}");
        Assert.Empty(stolen);
        Assert.Equal(1, sim.Stats.GetsOf(file));
        var summary = JsonDocument.Parse(run.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(1, summary.GetProperty("filesStored").GetInt32());
        Assert.Equal(0, summary.GetProperty("deadLetters").GetInt32());
        Assert.True(summary.GetProperty("elapsedSeconds").GetDouble() > 6, "the download was not slower than two visibility timeouts");
        await _aws.AssertStoredByteIdenticalAsync(generated);
        Assert.Equal(0, await _aws.MessagesInAsync(queueUrl));
    }

    public void Dispose() => _aws.Dispose();
}
