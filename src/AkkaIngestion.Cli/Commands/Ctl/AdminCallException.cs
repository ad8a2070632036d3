namespace AkkaIngestion.Cli.Commands.Ctl;

/// <summary>A call to the admin endpoint that did not succeed: the one line to show and the exit code it means.</summary>
public sealed class AdminCallException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
