using System.CommandLine;
using AkkaIngestion.Cli;

var parsed = CliApp.BuildRoot().Parse(args);
if (parsed.Errors.Count > 0)
    return Cli.UsageError(parsed.CommandResult.Command, parsed.Errors[0].Message);

// Ctrl+C and SIGTERM are handled by the verbs (a run drains its downloads), so the parser's own handler is off.
using var termination = new TerminationSignal();
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, termination.Token);
