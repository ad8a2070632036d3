using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace AkkaIngestion.Cli.Commands.Ctl;

/// <summary>The options every ctl verb shares; <see cref="Option.Recursive"/> so they can follow the verb too.</summary>
internal sealed class CtlOptions
{
    public Option<string> Node { get; } = new("--node")
    {
        Description = "The node's admin endpoint, host:port",
        DefaultValueFactory = _ => AdminNode.Default,
        Recursive = true,
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"Bearer token of the admin endpoint (default: ${AdminClient.TokenVariable})",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the endpoint's JSON (indented) for scripts instead of a table",
        Recursive = true,
    };

    public AdminNode ResolveNode(ParseResult parsed) =>
        AdminNode.TryParse(parsed.GetValue(Node), out var node, out var error) ? node : throw new UsageException(error);

    public string? ResolveToken(ParseResult parsed) =>
        parsed.GetValue(Token) is { Length: > 0 } token ? token : Environment.GetEnvironmentVariable(AdminClient.TokenVariable);
}

/// <summary>What a ctl verb's action gets: the client, where to write, and whether to print JSON or a table.</summary>
internal sealed class CtlInvocation(ParseResult parsed, AdminClient admin, bool json)
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        // Printed for people and scripts, never embedded in HTML: keep quotes and non-ASCII readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public ParseResult Parsed { get; } = parsed;

    public AdminClient Admin { get; } = admin;

    public IAnsiConsole Console { get; } = ConsoleFor(parsed.InvocationConfiguration.Output);

    /// <summary>The endpoint's JSON with --json, else what <paramref name="render"/> draws from the typed answer.</summary>
    public int Print<T>(AdminAnswer<T> answer, Action<T> render)
    {
        if (json) Parsed.InvocationConfiguration.Output.WriteLine(JsonNode.Parse(answer.Json)?.ToJsonString(Indented) ?? "null");
        else render(answer.Value);
        return Cli.Ok;
    }

    public void Line(string text) => Console.WriteLine(text);

    private static IAnsiConsole ConsoleFor(TextWriter output)
    {
        var target = new AnsiConsoleOutput(output);
        // Piped or captured output gets plain text (no escape codes, whatever TERM says) and no window width: wide
        // enough that node addresses are never broken across lines.
        var console = AnsiConsole.Create(target.IsTerminal
            ? new AnsiConsoleSettings { Out = target }
            : new AnsiConsoleSettings { Out = target, Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        if (!target.IsTerminal) console.Profile.Width = 200;
        return console;
    }
}

/// <summary>Runs a ctl verb's action and turns every failure into one line on stderr and an exit code.</summary>
internal static class CtlVerb
{
    public const string Prefix = "akka-ingest ctl: ";

    public static void SetAction(Command command, CtlOptions options, Func<CtlInvocation, CancellationToken, Task<int>> run)
    {
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var error = parsed.InvocationConfiguration.Error;
            try
            {
                using var admin = new AdminClient(options.ResolveNode(parsed), options.ResolveToken(parsed));
                return await run(new CtlInvocation(parsed, admin, parsed.GetValue(options.Json)), cancellationToken);
            }
            catch (AdminCallException e)
            {
                return Fail(error, e.Message, e.ExitCode);
            }
            catch (UsageException e)
            {
                return Fail(error, e.Message, Cli.Usage);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Fail(error, "stopped", Cli.Failed);
            }
        });
    }

    public static int Fail(TextWriter error, string message, int exitCode)
    {
        error.WriteLine(Prefix + message);
        return exitCode;
    }
}
