using System.CommandLine;
using System.Runtime.InteropServices;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.Feeds;

namespace AkkaIngestion.Cli.Commands;

/// <summary>
/// <c>archive-sim</c>: serves a directory of hour files like data.gharchive.org (with optional faults) until stopped;
/// <c>archive-sim generate</c>: writes synthetic hour files to serve.
/// </summary>
public static class ArchiveSimCommand
{
    private const string Name = "archive-sim";
    private const int BadInput = 2;
    private const int Failed = 1;
    private const string DefaultGeneratedSize = "1MiB";

    /// <summary>The simulator's own defaults, so the help text and the server never disagree.</summary>
    private static readonly ArchiveSimOptions Defaults = new() { Root = "." };

    public static Command Create()
    {
        var root = new Option<string?>("--root") { Description = "Directory of hour files to serve (flat)" };
        var port = new Option<int>("--port") { Description = "Port to listen on; 0 picks a free one", DefaultValueFactory = _ => Defaults.Port };
        var bind = new Option<string>("--bind") { Description = "IP address to listen on", DefaultValueFactory = _ => Defaults.BindAddress };
        var failRate = new Option<double>("--fail-rate") { Description = "Share of GETs answered 503 (0..1)" };
        var truncateRate = new Option<double>("--truncate-rate") { Description = "Share of GETs whose body is cut short (0..1)" };
        var resetRate = new Option<double>("--reset-rate") { Description = "Share of GETs whose connection is dropped before any answer (0..1)" };
        var delay = new Option<string?>("--delay") { Description = "Wait before answering each GET and HEAD, e.g. 250ms, 2s, 00:00:01" };
        var rateLimit = new Option<string?>("--rate-limit") { Description = "Bytes per second per response body, e.g. 10MiB; unlimited when absent" };
        var maxFaults = new Option<int>("--max-faults-per-file")
        {
            Description = "Only the first N GETs of a file can be faulted, so retries always succeed",
            DefaultValueFactory = _ => Defaults.MaxFaultsPerFile,
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the fault plan", DefaultValueFactory = _ => Defaults.Seed };

        var command = new Command(Name, "Serve a directory of hour files like data.gharchive.org, with optional injected faults")
        {
            root, port, bind, failRate, truncateRate, resetRate, delay, rateLimit, maxFaults, seed, CreateGenerate(),
        };
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var error = result.InvocationConfiguration.Error;
            var directory = result.GetValue(root);
            if (string.IsNullOrWhiteSpace(directory)) return Refuse(error, "--root is required");
            if (!Directory.Exists(directory)) return Refuse(error, $"root directory {directory} does not exist");
            var pause = TimeSpan.Zero;
            if (result.GetValue(delay) is { } delayText && !DurationParser.TryParse(delayText, out pause, out var delayError))
                return Refuse(error, "--delay: " + delayError);
            long? bytesPerSecond = null;
            if (result.GetValue(rateLimit) is { } rateText)
            {
                if (!SizeParser.TryParse(rateText, out var rate, out var rateError)) return Refuse(error, "--rate-limit: " + rateError);
                bytesPerSecond = rate;
            }
            var options = new ArchiveSimOptions
            {
                Root = directory,
                BindAddress = result.GetValue(bind) ?? Defaults.BindAddress,
                Port = result.GetValue(port),
                FailRate = result.GetValue(failRate),
                TruncateRate = result.GetValue(truncateRate),
                ResetRate = result.GetValue(resetRate),
                Delay = pause,
                RateLimitBytesPerSecond = bytesPerSecond,
                MaxFaultsPerFile = result.GetValue(maxFaults),
                Seed = result.GetValue(seed),
            };
            if (options.FindProblem() is { } problem) return Refuse(error, problem);
            return await ServeAsync(options, result.InvocationConfiguration.Output, error, cancellationToken);
        });
        return command;
    }

    private static async Task<int> ServeAsync(ArchiveSimOptions options, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        ArchiveSimServer server;
        try
        {
            server = await ArchiveSimServer.StartAsync(options, cancellationToken);
        }
        catch (IOException e)
        {
            // Kestrel reports a port that is taken or an address that is not ours as an IOException.
            await error.WriteLineAsync($"akka-ingest {Name}: cannot listen on {options.BindAddress}:{options.Port}: {e.Message}");
            return Failed;
        }
        await using (server)
        {
            using var stopRequested = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // Whether or not the host program set a ProcessTerminationTimeout (without one System.CommandLine leaves
            // SIGTERM to the runtime, which exits 143 at once), SIGTERM and Ctrl+C end serving cleanly with exit 0.
            Action<PosixSignalContext> requestStop = context =>
            {
                context.Cancel = true;
                stopRequested.Cancel();
            };
            using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, requestStop);
            using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, requestStop);
            // Tests and benchmarks read the port from this line, so it is the only one and it is flushed at once.
            await output.WriteLineAsync($"{Name} serving {server.Root} at {server.BaseUrl}");
            await output.FlushAsync(CancellationToken.None);
            try
            {
                await Task.Delay(Timeout.Infinite, stopRequested.Token);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: stop serving and exit cleanly.
            }
            await server.StopAsync();
        }
        return 0;
    }

    private static Command CreateGenerate()
    {
        var root = new Option<string?>("--root") { Description = "Directory to write the hour files into (created if missing)" };
        var from = new Option<string?>("--from") { Description = "First hour, yyyy-MM-ddTHH (UTC)" };
        var to = new Option<string?>("--to") { Description = "Last hour, yyyy-MM-ddTHH (UTC), inclusive" };
        var size = new Option<string>("--size")
        {
            Description = "Size of each file, e.g. 65536, 64KiB, 64MiB, 1GiB",
            DefaultValueFactory = _ => DefaultGeneratedSize,
        };
        var missing = new Option<string[]>("--missing") { Description = "Hours to leave out, comma-separated: 2024-02-29T23,2024-03-01T00" };

        var command = new Command("generate", "Write synthetic GH Archive hour files (valid gzip, deterministic content) to serve")
        {
            root, from, to, size, missing,
        };
        command.SetAction((ParseResult result, CancellationToken cancellationToken) =>
        {
            var error = result.InvocationConfiguration.Error;
            var directory = result.GetValue(root);
            if (string.IsNullOrWhiteSpace(directory)) return Task.FromResult(Refuse(error, "--root is required"));
            if (!ArchiveHour.TryParse(result.GetValue(from), out var first, out var fromError))
                return Task.FromResult(Refuse(error, "--from: " + fromError));
            if (!ArchiveHour.TryParse(result.GetValue(to), out var last, out var toError))
                return Task.FromResult(Refuse(error, "--to: " + toError));
            if (last < first)
                return Task.FromResult(Refuse(error, $"--to {ArchiveHour.Display(last)} is before --from {ArchiveHour.Display(first)}"));
            if (!SizeParser.TryParse(result.GetValue(size), out var bytes, out var sizeError))
                return Task.FromResult(Refuse(error, "--size: " + sizeError));
            var missingHours = new List<DateTime>();
            foreach (var text in (result.GetValue(missing) ?? []).SelectMany(value => value.Split(',', StringSplitOptions.RemoveEmptyEntries)))
            {
                if (!ArchiveHour.TryParse(text, out var hour, out var missingError))
                    return Task.FromResult(Refuse(error, "--missing: " + missingError));
                missingHours.Add(hour);
            }
            // Generating gigabytes is synchronous disk work; off the caller's thread so Ctrl+C is still heard.
            return Task.Run(() => Generate(directory, first, last, bytes, missingHours, result.InvocationConfiguration.Output, error,
                cancellationToken), CancellationToken.None);
        });
        return command;
    }

    private static int Generate(string directory, DateTime first, DateTime last, long size, List<DateTime> missingHours,
        TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        IReadOnlyList<GeneratedFile> files;
        try
        {
            files = ArchiveGenerator.Generate(directory, first, last, size, missingHours, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"akka-ingest {Name} generate: cannot write to {directory}: {e.Message}");
            return Failed;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine($"akka-ingest {Name} generate: stopped");
            return Failed;
        }
        var written = files.Where(file => file.Written).ToList();
        var leftOut = ArchiveHour.Range(first, last).Count() - files.Count;
        output.WriteLine($"{Name} generate: wrote {written.Count} files, {written.Sum(file => file.Length)} bytes, to " +
                         $"{Path.GetFullPath(directory)} ({files.Count - written.Count} identical files kept, {leftOut} hours left out)");
        return 0;
    }

    private static int Refuse(TextWriter error, string problem)
    {
        error.WriteLine($"akka-ingest {Name}: {problem}");
        return BadInput;
    }
}
