using System.Text.Json;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.EndToEnd.Aws.Fauxqs;
using static AkkaIngestion.EndToEnd.Aws.Runs.FauxqsRun;

namespace AkkaIngestion.EndToEnd.Aws.Runs;

/// <summary>The production path: setup, then run into S3 through SQS, as processes against fauxqs and the simulator.</summary>
[Collection(FauxqsCollection.Name)]
public sealed class S3SqsRunTests(FauxqsServer fauxqs) : IDisposable
{
    private readonly FauxqsRun _aws = new(fauxqs);

    [Fact]
    public async Task Setup_then_run_stores_every_file_byte_identical_and_dead_letters_only_the_poison()
    {
        var setup = await _aws.CliAsync("setup", "--store", _aws.Store, "--queue", _aws.Queue);
        Assert.True(setup.ExitCode == 0, setup.ToString());
        Assert.Contains("created", setup.Stdout);
        var again = await _aws.CliAsync("setup", "--store", _aws.Store, "--queue", _aws.Queue);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("nothing changed", again.Stdout);

        var queueUrl = await _aws.QueueUrlAsync();
        await _aws.SendAsync(queueUrl, "../../etc/passwd", "http://evil/x", "junk");

        var archive = _aws.Temp.Sub("archive");
        var generated = ArchiveGenerator.Generate(archive, Hour("2024-02-28T20"), Hour("2024-03-01T03"), 40 * 1024, [Hour("2024-02-29T12")]);
        await using var sim = await ArchiveSimServer.StartAsync(new ArchiveSimOptions
        {
            Root = archive, FailRate = 0.15, TruncateRate = 0.1, ResetRate = 0.1, Seed = 11,
        });

        var run = await _aws.CliAsync(
            "run", "--source", sim.BaseUrl.ToString(), "--store", _aws.Store, "--queue", _aws.Queue,
            "--from", "2024-02-28T20", "--to", "2024-03-01T03", "--workers", "4", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(sim.Stats.TotalFaults > 0, "no fault was injected");
        var summary = JsonDocument.Parse(run.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(generated.Count, summary.GetProperty("filesStored").GetInt32());

        await _aws.AssertStoredByteIdenticalAsync(generated);
        Assert.Empty(_aws.OpenMultipartUploads());

        Assert.Equal(0, await _aws.MessagesInAsync(queueUrl));
        var dead = await _aws.DrainBodiesAsync(await _aws.DeadLetterQueueUrlAsync());
        Assert.Equal(["../../etc/passwd", "http://evil/x", "junk"], dead.Order());
        // Nothing but real hour files was ever fetched: the poison never reached the source.
        var names = generated.Select(g => g.Name).ToHashSet();
        Assert.All(sim.Stats.GetsPerFile.Keys, requested => Assert.Contains(requested, names));
    }

    public void Dispose() => _aws.Dispose();
}
