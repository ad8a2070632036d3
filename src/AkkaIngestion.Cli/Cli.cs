using System.CommandLine;
using AkkaIngestion.Aws;
using AkkaIngestion.Cli.Commands;
using AkkaIngestion.Feeds;
using AkkaIngestion.Hosting;
using AkkaIngestion.Queueing;
using AkkaIngestion.Scheduling;
using AkkaIngestion.Sources;
using AkkaIngestion.Storage;
using Amazon.Runtime;

namespace AkkaIngestion.Cli;

/// <summary>Exit codes and the one-line error form every verb uses.</summary>
internal static class Cli
{
    public const int Ok = 0;

    /// <summary>The verb ran and found something wrong (e.g. verify found a bad object).</summary>
    public const int Failed = 1;

    /// <summary>Bad options, configuration or input: nothing was done.</summary>
    public const int Usage = 2;

    /// <summary>
    /// Sets the verb's action so that every kind of bad input it can meet (options, configuration, bookmark, feeds,
    /// an unreachable store or source) ends as one line and exit code 2, never a stack trace.
    /// </summary>
    public static void SetGuardedAction(Command command, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parsed, cancellationToken) =>
        {
            try
            {
                return await action(parsed, cancellationToken);
            }
            catch (Exception e) when (e is UsageException or BackendConfigurationException or StoreUnavailableException
                                           or QueueUnavailableException or NoDeadLetterQueueException or SetupConflictException
                                           or BookmarkUnreadableException
                                           or FeedConfigurationException or SourceException)
            {
                return UsageError(command, e.Message);
            }
            catch (Exception e) when (e is HttpRequestException or AmazonServiceException or AmazonClientException)
            {
                return UsageError(command, AwsErrors.Explain(e));
            }
        });

    public static int UsageError(Command command, string message)
    {
        Console.Error.WriteLine($"{VerbPath(command)}: {message}");
        return Usage;
    }

    /// <summary>"akka-ingest dlq list" for a sub-verb, so the line names exactly what was run.</summary>
    private static string VerbPath(Command command)
    {
        var names = new List<string>();
        for (var current = command; current is not null and not RootCommand; current = current.Parents.OfType<Command>().FirstOrDefault())
            names.Insert(0, current.Name);
        return string.Join(' ', names.Prepend("akka-ingest"));
    }
}

/// <summary>
/// The first Ctrl+C or SIGTERM cancels <see cref="Token"/> so the verb can stop cleanly; a second Ctrl+C ends the
/// process at once, for an operator who will not wait.
/// </summary>
internal sealed class TerminationSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly List<System.Runtime.InteropServices.PosixSignalRegistration> _registrations = [];

    public TerminationSignal()
    {
        foreach (var signal in new[] { System.Runtime.InteropServices.PosixSignal.SIGINT, System.Runtime.InteropServices.PosixSignal.SIGTERM })
        {
            _registrations.Add(System.Runtime.InteropServices.PosixSignalRegistration.Create(signal, context =>
            {
                if (_source.IsCancellationRequested) return;
                context.Cancel = true;
                _source.Cancel();
            }));
        }
    }

    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _source.Dispose();
    }
}
