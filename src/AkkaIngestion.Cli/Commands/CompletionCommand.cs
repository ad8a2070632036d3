using System.CommandLine;

namespace AkkaIngestion.Cli.Commands;

/// <summary>
/// <c>akka-ingest completion bash|zsh</c>: prints a script that completes verbs and options on Tab by asking the binary
/// itself through System.CommandLine's <c>[suggest:position]</c> directive, so completions never go stale.
/// </summary>
public static class CompletionCommand
{
    private const string Bash = """
        # akka-ingest completion for bash: source <(akka-ingest completion bash)
        _akka_ingest_complete() {
            local IFS=$'\n'
            # The binary matches words that contain what was typed; bash wants the ones that start with it.
            COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -F _akka_ingest_complete akka-ingest

        """;

    private const string Zsh = """
        # akka-ingest completion for zsh: source <(akka-ingest completion zsh)
        _akka_ingest_complete() {
            local line="${(j: :)words[1,CURRENT]}"
            local -a completions
            completions=("${(@f)$("${words[1]}" "[suggest:${#line}]" "$line" 2>/dev/null)}")
            compadd -a completions
        }
        compdef _akka_ingest_complete akka-ingest

        """;

    public static Command Create()
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command("completion", "Print a shell script that completes akka-ingest's verbs and options on Tab, e.g. source <(akka-ingest completion bash)")
        {
            shell,
        };
        command.SetAction(parsed =>
        {
            parsed.InvocationConfiguration.Output.Write(parsed.GetValue(shell) == "zsh" ? Zsh : Bash);
            return Cli.Ok;
        });
        return command;
    }
}
