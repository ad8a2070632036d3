using System.Text.Json;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.Feeds;

namespace AkkaIngestion.EndToEnd;

/// <summary>The real executable against the archive simulator on loopback, with the embedded store and queue.</summary>
public class SingleNodeRunTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Short retry delays so injected faults cost milliseconds; everything else is the shipped default.</summary>
    private static readonly Dictionary<string, string> FastRetries = new()
    {
        ["AKKA_INGEST__RETRYBASEDELAY"] = "00:00:00.050",
    };

    private static DateTime Hour(string text) =>
        ArchiveHour.TryParse(text, out var hour, out var error) ? hour : throw new ArgumentException(error);

    [Theory]
    [InlineData("2024-02-28T18", "2024-03-01T05", "2024-02-29T07")] // leap day and a month end
    [InlineData("2015-12-31T12", "2016-01-01T06", "2016-01-01T00")] // month and year end
    public async Task Ingests_a_range_byte_for_byte_through_faults_and_a_missing_hour_then_a_rerun_stores_nothing_new(
        string from, string to, string missing)
    {
        using var temp = new TempDirectory();
        var archive = temp.Sub("archive");
        var data = Path.Combine(temp.Path, "data");
        var generated = ArchiveGenerator.Generate(archive, Hour(from), Hour(to), 24 * 1024, [Hour(missing)]);
        await using var sim = await ArchiveSimServer.StartAsync(new ArchiveSimOptions
        {
            Root = archive,
            FailRate = 0.15,
            TruncateRate = 0.1,
            ResetRate = 0.1,
            MaxFaultsPerFile = 2,
            Seed = 7,
        });

        var run = await AkkaIngestCli.RunAsync(temp.Path, RunTimeout, FastRetries,
            "run", "--source", sim.BaseUrl.ToString(), "--store", data, "--from", from, "--to", to, "--workers", "4", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(sim.Stats.TotalFaults > 0, "the simulator injected no fault, so this test proves nothing about them");

        var summary = JsonDocument.Parse(run.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.True(summary.GetProperty("completed").GetBoolean(), run.ToString());
        Assert.Equal(generated.Count, summary.GetProperty("filesStored").GetInt32());
        Assert.Equal(0, summary.GetProperty("deadLetters").GetInt32());
        Assert.Equal(1, summary.GetProperty("gapsRecorded").GetInt32());

        foreach (var file in generated)
        {
            var stored = Path.Combine(data, "raw", file.Name);
            Assert.True(File.Exists(stored), $"{file.Name} was not stored");
            Assert.Equal(await File.ReadAllBytesAsync(file.Path), await File.ReadAllBytesAsync(stored));
        }
        var missingName = HourFileNaming.GhArchive.NameOf(Hour(missing));
        Assert.False(File.Exists(Path.Combine(data, "raw", missingName)));
        Assert.Equal(generated.Count, Directory.GetFiles(Path.Combine(data, "raw"), "*.json.gz").Length);

        var status = await AkkaIngestCli.RunAsync(temp.Path, RunTimeout, null, "status", "--store", data, "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        var state = JsonDocument.Parse(status.Stdout).RootElement;
        Assert.Equal(HourFileNaming.GhArchive.NameOf(Hour(to)), state.GetProperty("bookmark").GetString());
        Assert.Equal([missingName], state.GetProperty("gaps").EnumerateArray().Select(g => g.GetProperty("file").GetString()));

        var verify = await AkkaIngestCli.RunAsync(temp.Path, RunTimeout, null, "verify", "--store", data, "--source", sim.BaseUrl.ToString());
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains($"{generated.Count} good", verify.Stdout);

        var getsBefore = sim.Stats.Gets;
        var bytesBefore = sim.Stats.BytesSent;
        var rerun = await AkkaIngestCli.RunAsync(temp.Path, RunTimeout, FastRetries,
            "run", "--source", sim.BaseUrl.ToString(), "--store", data, "--from", from, "--to", to, "--json");
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        var again = JsonDocument.Parse(rerun.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(0, again.GetProperty("filesStored").GetInt32());
        Assert.Equal(generated.Count, again.GetProperty("skipped").GetInt32());
        Assert.Equal(getsBefore, sim.Stats.Gets);
        Assert.Equal(bytesBefore, sim.Stats.BytesSent);
    }

    [Fact]
    public async Task Verify_names_a_corrupted_file_and_exits_1()
    {
        using var temp = new TempDirectory();
        var archive = temp.Sub("archive");
        var data = Path.Combine(temp.Path, "data");
        ArchiveGenerator.Generate(archive, Hour("2020-05-01T00"), Hour("2020-05-01T03"), 8 * 1024, []);
        await using var sim = await ArchiveSimServer.StartAsync(new ArchiveSimOptions { Root = archive });
        var run = await AkkaIngestCli.RunAsync(temp.Path, RunTimeout, null,
            "run", "--source", sim.BaseUrl.ToString(), "--store", data, "--from", "2020-05-01T00", "--to", "2020-05-01T03");
        Assert.True(run.ExitCode == 0, run.ToString());

        var victim = Path.Combine(data, "raw", "2020-05-01-2.json.gz");
        var bytes = await File.ReadAllBytesAsync(victim);
        bytes[bytes.Length / 2] ^= 0x5A;
        await File.WriteAllBytesAsync(victim, bytes);

        var verify = await AkkaIngestCli.RunAsync(temp.Path, RunTimeout, null, "verify", "--store", data);
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("BAD 2020-05-01-2.json.gz", verify.Stdout);
        Assert.Contains("3 good", verify.Stdout);
    }

    [Fact]
    public async Task Ctrl_c_stops_a_live_run_cleanly_and_the_next_run_finishes_the_job()
    {
        using var temp = new TempDirectory();
        var archive = temp.Sub("archive");
        var data = Path.Combine(temp.Path, "data");
        var generated = ArchiveGenerator.Generate(archive, Hour("2019-07-01T00"), Hour("2019-07-01T11"), 256 * 1024, []);
        // Slow bodies keep downloads in flight when the signal comes.
        await using var slow = await ArchiveSimServer.StartAsync(new ArchiveSimOptions { Root = archive, RateLimitBytesPerSecond = 256 * 1024 });

        await using (var live = new RunningProcess(AkkaIngestCli.StartInfo(temp.Path, null,
            "run", "--source", slow.BaseUrl.ToString(), "--store", data, "--from", "2019-07-01T00", "--workers", "2")))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (slow.Stats.GetsInFlight == 0 && DateTime.UtcNow < deadline && !live.Process.HasExited)
                await Task.Delay(50);
            Assert.True(slow.Stats.GetsInFlight > 0, "no download started\n" + live.Stderr);

            Assert.Equal(0, Posix.Interrupt(live.Process.Id));
            var exit = await live.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(exit == 0, $"exit {exit}\n{live.Stdout}\n{live.Stderr}");
            Assert.Contains("run stopped", live.Stdout);
        }

        // Nothing half-written is visible: every published file is whole.
        foreach (var stored in Directory.GetFiles(Path.Combine(data, "raw"), "*.json.gz"))
        {
            var original = generated.Single(g => g.Name == Path.GetFileName(stored));
            Assert.Equal(await File.ReadAllBytesAsync(original.Path), await File.ReadAllBytesAsync(stored));
        }

        await using var fast = await ArchiveSimServer.StartAsync(new ArchiveSimOptions { Root = archive });
        var rest = await AkkaIngestCli.RunAsync(temp.Path, RunTimeout, null,
            "run", "--source", fast.BaseUrl.ToString(), "--store", data, "--to", "2019-07-01T11", "--json");
        Assert.True(rest.ExitCode == 0, rest.ToString());
        foreach (var file in generated)
            Assert.Equal(await File.ReadAllBytesAsync(file.Path), await File.ReadAllBytesAsync(Path.Combine(data, "raw", file.Name)));
    }
}

internal static class Posix
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public static int Interrupt(int pid) => Kill(pid, 2);

    public static int Terminate(int pid) => Kill(pid, 15);
}
