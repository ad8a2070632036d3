using System.CommandLine;
using AkkaIngestion.Feeds;
using AkkaIngestion.Hosting;
using AkkaIngestion.Sources;
using AkkaIngestion.Storage;

namespace AkkaIngestion.Cli.Commands;

/// <summary><c>akka-ingest verify</c>: re-reads every stored file against its record; exit 1 when any is bad.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var command = new Command("verify", "Check every stored file against its recorded size and sha256 and as complete gzip; with --source, also that nothing the source has is missing")
        {
            NodeSettings.Store, NodeSettings.Source, NodeSettings.From, NodeSettings.To, NodeSettings.Config,
        };
        Cli.SetGuardedAction(command, VerifyAsync);
        return command;
    }

    private static async Task<int> VerifyAsync(ParseResult parsed, CancellationToken cancellationToken)
    {
        var options = NodeSettings.Load(parsed);
        var (from, to) = NodeSettings.Range(parsed);
        var store = Backends.OpenStore(options.Store);
        await store.CheckReachableAsync(cancellationToken);
        var checkSource = parsed.GetValue(NodeSettings.Source) is not null;
        var feed = FeedDefinition.GhArchive(NodeSettings.SourceUrl(options));
        using var http = checkSource ? HttpArchiveSource.CreateClient(4) : null;
        var source = http is null ? null : new HttpArchiveSource(http);

        long good = 0, bad = 0, bytes = 0;
        await foreach (var file in StoreVerification.VerifyAsync(store, feed, from, to, source, cancellationToken))
        {
            if (file.IsGood)
            {
                good++;
                bytes += file.Size;
                continue;
            }
            bad++;
            Console.Out.WriteLine($"BAD {file.FileName}: {file.Problem}");
        }
        Console.Out.WriteLine($"verified {good + bad} file(s) in {store.Location}: {good} good ({bytes} bytes), {bad} bad");
        return bad == 0 ? Cli.Ok : Cli.Failed;
    }
}
