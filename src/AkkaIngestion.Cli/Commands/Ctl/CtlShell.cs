using System.CommandLine;
using System.CommandLine.Parsing;

namespace AkkaIngestion.Cli.Commands.Ctl;

/// <summary>
/// <c>akka-ingest ctl</c> without a verb: reads ctl verbs one per line and runs each through the same parser as the
/// command line, so a line means exactly what it would after <c>akka-ingest ctl</c>. On a terminal it shows a prompt;
/// with redirected input it runs the lines as a script. Ends at exit, quit, end of input (Ctrl+D) or Ctrl+C; the
/// exit code is the worst of the verbs'.
/// </summary>
internal static class CtlShell
{
    public static async Task<int> RunAsync(ParseResult session, CtlOptions options, TextReader input, CancellationToken cancellationToken)
    {
        var output = session.InvocationConfiguration.Output;
        var error = session.InvocationConfiguration.Error;
        if (!AdminNode.TryParse(session.GetValue(options.Node), out var node, out var nodeError))
            return CtlVerb.Fail(error, nodeError, Cli.Usage);

        var prompting = !Console.IsInputRedirected && !Console.IsOutputRedirected;
        if (prompting)
            await output.WriteLineAsync($"akka-ingest ctl for the node at {node}: 'help' lists the verbs, 'exit' or Ctrl+D leaves.");
        var root = session.RootCommandResult.Command;
        var verbPath = PathOf(session.CommandResult);
        var sessionWords = SessionWords(session, options, node);
        var worst = Cli.Ok;
        while (true)
        {
            if (prompting)
            {
                await output.WriteAsync($"ctl {node}> ");
                await output.FlushAsync(CancellationToken.None);
            }
            string? line;
            try
            {
                // A console read cannot be cancelled; waiting on it apart lets Ctrl+C end the prompt at once.
                line = await Task.Run(input.ReadLine, CancellationToken.None).WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (line is null) break;

            var words = CommandLineParser.SplitCommandLine(line).ToList();
            if (words.Count > 0 && words[0] == CtlCommand.Name) words.RemoveAt(0);
            if (words.Count == 0 || words[0].StartsWith('#')) continue;
            if (words is ["exit"] or ["quit"]) break;
            if (words is ["help"] or ["?"]) words = ["--help"];

            var parsed = root.Parse([.. verbPath, .. sessionWords.Where(w => !words.Contains(w.Option)).SelectMany(w => w.Words), .. words]);
            int exitCode;
            if (parsed.Errors.Count > 0) exitCode = CtlVerb.Fail(error, parsed.Errors[0].Message, Cli.Usage);
            // Options alone would run this prompt again, inside itself.
            else if (parsed.Action == session.Action) exitCode = CtlVerb.Fail(error, "a verb is needed; 'help' lists them", Cli.Usage);
            else exitCode = await parsed.InvokeAsync(session.InvocationConfiguration, cancellationToken);
            worst = Math.Max(worst, exitCode);
        }
        return worst;
    }

    private static List<string> PathOf(CommandResult result)
    {
        var path = new List<string>();
        for (var at = result; at.Parent is CommandResult parent; at = parent) path.Insert(0, at.Command.Name);
        return path;
    }

    /// <summary>The session's --node, --token and --json, given to every line unless the line gives its own.</summary>
    private static List<(string Option, string[] Words)> SessionWords(ParseResult session, CtlOptions options, AdminNode node)
    {
        var words = new List<(string, string[])> { (options.Node.Name, [options.Node.Name, node.Display]) };
        if (session.GetValue(options.Token) is { Length: > 0 } token) words.Add((options.Token.Name, [options.Token.Name, token]));
        if (session.GetValue(options.Json)) words.Add((options.Json.Name, [options.Json.Name]));
        return words;
    }
}
