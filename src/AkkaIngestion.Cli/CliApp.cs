using System.CommandLine;
using AkkaIngestion.Cli.Commands;
using AkkaIngestion.Cli.Commands.Ctl;

namespace AkkaIngestion.Cli;

/// <summary>
/// The whole command line in one place, so anything that hands akka-ingest arguments (the compose file's services, for
/// one) can be checked against the same parser the executable uses.
/// </summary>
public static class CliApp
{
    public static RootCommand BuildRoot() =>
        new("akka-ingest: mirrors hourly archive files (GH Archive first) into a directory or S3, correct to the last byte.")
        {
            RunCommand.Create(),
            StatusCommand.Create(),
            VerifyCommand.Create(),
            SetupCommand.Create(),
            DlqCommand.Create(),
            ArchiveSimCommand.Create(),
            CtlCommand.Create(),
            CompletionCommand.Create(),
        };
}
