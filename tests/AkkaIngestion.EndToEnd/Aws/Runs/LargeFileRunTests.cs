using System.Text.Json;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.EndToEnd.Aws.Fauxqs;
using static AkkaIngestion.EndToEnd.Aws.Runs.FauxqsRun;

namespace AkkaIngestion.EndToEnd.Aws.Runs;

/// <summary>A file far larger than a part goes to S3 as a multipart upload, streamed: memory stays bounded.</summary>
[Collection(FauxqsCollection.Name)]
public sealed class LargeFileRunTests(FauxqsServer fauxqs) : IDisposable
{
    private const long MiB = 1024 * 1024;
    private const long FileSize = 200 * MiB;

    // The runtime with Akka and the AWS SDK loaded is about 105 MiB resident before any file (measured with a 1 KiB
    // file); the upload adds its part buffers, (4 in flight + 1 filling) x 8 MiB. Holding the file would add 200 MiB.
    private const long PeakRssLimit = 192 * MiB;

    // The sharper bound: the managed heap may not exceed 72 MiB. Before part buffers had their own pool, a run needed
    // more than 80 MiB of heap for this file (OutOfMemoryException, measured) and 206 MiB resident.
    private const string HeapHardLimit = "0x4800000";

    private readonly FauxqsRun _aws = new(fauxqs);

    [Fact]
    public async Task A_200_MiB_file_is_stored_byte_identical_through_a_multipart_upload_with_bounded_memory()
    {
        await _aws.SetupAsync();
        var generated = ArchiveGenerator.Generate(_aws.Temp.Sub("archive"), Hour("2024-02-28T20"), Hour("2024-02-28T20"), FileSize, []);
        await using var sim = await ArchiveSimServer.StartAsync(new ArchiveSimOptions { Root = Path.GetDirectoryName(generated[0].Path)! });

        await using var run = _aws.StartRun(sim.BaseUrl, "2024-02-28T20", "2024-02-28T20",
            [("DOTNET_GCHeapHardLimit", HeapHardLimit)]);
        var peak = await PeakRssUntilExitAsync(run, FauxqsRun.Timeout);

        Assert.True(run.Process.ExitCode == 0, $"exit {run.Process.ExitCode}\n{run.Stdout}\n{run.Stderr}");
        var summary = JsonDocument.Parse(run.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.DoesNotContain("OutOfMemory", run.Stderr);
        Assert.Equal(1, summary.GetProperty("filesStored").GetInt32());
        Assert.Equal(FileSize, summary.GetProperty("bytesStored").GetInt64());
        Assert.True(peak < PeakRssLimit, $"peak RSS {peak / MiB} MiB, limit {PeakRssLimit / MiB} MiB for a {FileSize / MiB} MiB file");
        Assert.True(peak > 20 * MiB, $"peak RSS {peak} bytes: not measured");
        await _aws.AssertStoredByteIdenticalAsync(generated);
        Assert.Empty(_aws.OpenMultipartUploads());
    }

    /// <summary>The kernel's high-water mark of the process's resident set (VmHWM), read until it exits.</summary>
    private static async Task<long> PeakRssUntilExitAsync(RunningProcess run, TimeSpan timeout)
    {
        var status = $"/proc/{run.Process.Id}/status";
        long peak = 0;
        using var deadline = new CancellationTokenSource(timeout);
        while (!run.Process.HasExited)
        {
            try
            {
                var line = (await File.ReadAllLinesAsync(status)).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                if (line is not null) peak = Math.Max(peak, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024);
            }
            catch (IOException)
            {
                // Exited between the check and the read.
            }
            await Task.Delay(50, deadline.Token);
        }
        await run.WaitAsync(timeout);
        return peak;
    }

    public void Dispose() => _aws.Dispose();
}
