using System.Text.RegularExpressions;

namespace AkkaIngestion.EndToEnd.Packaging;

/// <summary>
/// The <c>dotnet ...</c> command lines a script or a README shows, normalised so that the same command compares equal
/// wherever it is written: continuation lines joined, quotes dropped, whitespace collapsed, every argument that holds a
/// variable ($results, ${x}, "$x") replaced by <c>$VAR</c>, backslashes in paths made forward slashes.
/// </summary>
internal static partial class DotnetCommands
{
    public const string Variable = "$VAR";

    /// <summary>Bash scripts and markdown: backslash-newline continues a line.</summary>
    public static IReadOnlyList<string> InShellOrMarkdown(string text) => Find(text.Replace("\r\n", "\n").Replace("\\\n", " "));

    /// <summary>PowerShell: comments dropped (&lt;# #&gt; blocks, # to the end of a line), backtick-newline continues a line.</summary>
    public static IReadOnlyList<string> InPowerShell(string text)
    {
        var code = BlockComment().Replace(text.Replace("\r\n", "\n"), "");
        code = LineComment().Replace(code, "");
        return Find(code.Replace("`\n", " "));
    }

    public static string Normalize(string command) =>
        string.Join(' ', Token().Matches(command)
            .Select(token => token.Value.Trim('"', '\''))
            .Select(token => token.Contains('$') ? Variable : token.Replace('\\', '/')));

    /// <summary>Each <c>dotnet</c> word followed by arguments, up to the end of the statement (; | &amp; } ` or the line's end, outside quotes).</summary>
    private static IReadOnlyList<string> Find(string text) =>
        Invocation().Matches(text).Select(match => Normalize("dotnet " + match.Groups["arguments"].Value)).ToList();

    [GeneratedRegex("""(?<![\w/.\-])dotnet[ \t]+(?<arguments>(?:"[^"\n]*"|'[^'\n]*'|[^;|&}`"'\n])+)""")]
    private static partial Regex Invocation();

    [GeneratedRegex("""(?:"[^"]*"|'[^']*'|\S)+""")]
    private static partial Regex Token();

    [GeneratedRegex(@"<#[\s\S]*?#>")]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"(?m)(^|\s)#.*$")]
    private static partial Regex LineComment();
}
