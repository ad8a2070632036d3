using System.Diagnostics;
using System.Text;

namespace AkkaIngestion.EndToEnd.Cluster;

/// <summary>
/// One cluster node as a process of the real executable, on a fixed loopback port so it can be killed and started again
/// as the same member address. Output lines are kept with the time they arrived, per incarnation; everything started is
/// killed on dispose.
/// </summary>
internal sealed class ClusterNode(string name, int port, Func<int, string[]> arguments, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    : IAsyncDisposable
{
    private readonly List<(DateTime At, string Line)> _lines = [];
    private readonly StringBuilder _history = new();
    private Process? _process;
    private int _incarnation;

    public string Name => name;

    public int Port => port;

    public bool IsRunning => _process is { HasExited: false };

    public void Start()
    {
        if (IsRunning) throw new InvalidOperationException($"{name} is already running");
        _process?.Dispose();
        lock (_lines)
        {
            _lines.Clear();
            _history.AppendLine($"===== {name} incarnation {++_incarnation} at {DateTime.UtcNow:HH:mm:ss.fff}");
        }
        var process = Process.Start(AkkaIngestCli.StartInfo(workingDirectory, environment, arguments(port)))!;
        lock (_lines) _process = process;
        process.OutputDataReceived += (_, e) => Remember(process, e.Data);
        process.ErrorDataReceived += (_, e) => Remember(process, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>SIGKILL: no shutdown, no hand-off, no drain; messages it held come back after their visibility timeout.</summary>
    public async Task KillAsync()
    {
        var process = _process ?? throw new InvalidOperationException($"{name} was never started");
        process.Kill();
        await process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: the node drains, hands its feeds over and leaves the cluster.</summary>
    public void Terminate()
    {
        var process = _process ?? throw new InvalidOperationException($"{name} was never started");
        Assert.Equal(0, Posix.Terminate(process.Id));
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var process = _process ?? throw new InvalidOperationException($"{name} was never started");
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{name} did not exit within {timeout}:\n{Log}");
        }
        return process.ExitCode;
    }

    /// <summary>When this incarnation last wrote a line containing every one of <paramref name="parts"/>; null if it has not.</summary>
    public DateTime? LastLogged(params string[] parts)
    {
        lock (_lines)
            for (var i = _lines.Count - 1; i >= 0; i--)
                if (parts.All(part => _lines[i].Line.Contains(part, StringComparison.Ordinal))) return _lines[i].At;
        return null;
    }

    public bool Logged(params string[] parts) => LastLogged(parts) is not null;

    /// <summary>This incarnation's lines.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines) return _lines.Select(l => l.Line).ToList();
        }
    }

    /// <summary>Every incarnation's output, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_lines) return _history.ToString();
        }
    }

    private void Remember(Process from, string? line)
    {
        if (line is null) return;
        lock (_lines)
        {
            _history.AppendLine(line);
            if (ReferenceEquals(from, _process)) _lines.Add((DateTime.UtcNow, line));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not { } process) return;
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
