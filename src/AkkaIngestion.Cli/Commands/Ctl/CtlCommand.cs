using System.CommandLine;

namespace AkkaIngestion.Cli.Commands.Ctl;

/// <summary>
/// <c>akka-ingest ctl</c>: the command-line client of a running node's admin endpoint (Petabridge.Cmd's pbm, for this
/// tool). With a verb it runs that verb; without one it reads verbs line by line (see <see cref="CtlShell"/>).
/// </summary>
public static class CtlCommand
{
    public const string Name = "ctl";

    public static Command Create()
    {
        var options = new CtlOptions();
        var command = new Command(Name, "Talk to a running node's admin endpoint; without a verb, a prompt that reads verbs line by line")
        {
            options.Node, options.Token, options.Json,
            ClusterCommand.Create(options), ActorCommand.Create(options), IngestCommand.Create(options), WorkersCommand.Create(options),
        };
        command.SetAction((parsed, cancellationToken) => CtlShell.RunAsync(parsed, options, Console.In, cancellationToken));
        return command;
    }
}
