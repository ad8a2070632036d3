using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AkkaIngestion.EndToEnd.Admin;

/// <summary>A node started as a process with its admin endpoint on a free loopback port, stopped with SIGINT at the end.</summary>
internal sealed partial class LiveNode : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private LiveNode(RunningProcess process, Uri admin)
    {
        Process = process;
        Admin = admin;
    }

    public RunningProcess Process { get; }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri Admin { get; }

    public static async Task<LiveNode> StartAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] runArguments)
    {
        var process = new RunningProcess(AkkaIngestCli.StartInfo(workingDirectory, environment,
            ["run", "--admin", "127.0.0.1:0", .. runArguments]));
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < StartTimeout)
        {
            if (AdminLine().Match(process.Stderr) is { Success: true } match) return new LiveNode(process, new Uri(match.Groups[1].Value));
            if (process.Process.HasExited)
                throw new InvalidOperationException($"the node exited with {process.Process.ExitCode}:\n{process.Stderr}");
            await Task.Delay(50);
        }
        await process.DisposeAsync();
        throw new TimeoutException($"no admin endpoint line within {StartTimeout}:\n{process.Stderr}");
    }

    /// <summary>Hours that end a little before now, so a node following the live edge has only a short edge to poll.</summary>
    public static (DateTime From, DateTime To) RecentHours(int count)
    {
        var now = DateTime.UtcNow;
        var latest = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(-2);
        return (latest.AddHours(1 - count), latest);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.Process.HasExited)
        {
            Posix.Interrupt(Process.Process.Id);
            try
            {
                await Process.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException)
            {
                // DisposeAsync below kills it.
            }
        }
        await Process.DisposeAsync();
    }

    [GeneratedRegex(@"admin endpoint at (http://[0-9.]+:\d+/)")]
    private static partial Regex AdminLine();
}
