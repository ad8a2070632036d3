using System.CommandLine;
using AkkaIngestion.Cli.Commands.Ctl;

namespace AkkaIngestion.EndToEnd.Ctl;

/// <summary>
/// Runs <c>akka-ingest ctl ...</c> through the same parser and actions as the executable, in this process, with output
/// captured: fast enough to cover every verb. Parse errors are reported the way Program.cs reports them (exit 2).
/// </summary>
internal static class InProcessCtl
{
    public static async Task<AkkaIngestCli.Result> RunAsync(params string[] args)
    {
        var root = new RootCommand { CtlCommand.Create() };
        var parsed = root.Parse(["ctl", .. args]);
        if (parsed.Errors.Count > 0) return new AkkaIngestCli.Result(2, "", parsed.Errors[0].Message);
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return new AkkaIngestCli.Result(exitCode, output.ToString(), error.ToString());
    }
}
