using System.CommandLine;
using AkkaIngestion.Cli;
using AkkaIngestion.Cli.Commands;

var root = new RootCommand("akka-ingest: mirrors hourly archive files (GH Archive first) into a directory or S3, correct to the last byte.")
{
    RunCommand.Create(),
    StatusCommand.Create(),
    VerifyCommand.Create(),
    SetupCommand.Create(),
    DlqCommand.Create(),
    ArchiveSimCommand.Create(),
};

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
    return Cli.UsageError(parsed.CommandResult.Command, parsed.Errors[0].Message);

// Ctrl+C and SIGTERM are handled by the verbs (a run drains its downloads), so the parser's own handler is off.
using var termination = new TerminationSignal();
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, termination.Token);
