using System.Text.Json;
using System.Text.RegularExpressions;

namespace AkkaIngestion.EndToEnd.Packaging;

/// <summary>The instructions of a Dockerfile, grouped by build stage; enough of the syntax for the checks made here.</summary>
internal sealed partial class Dockerfile
{
    public sealed record Instruction(string Keyword, string Arguments, int Line)
    {
        /// <summary>
        /// The exec form (a JSON array) as its elements, else the words of the shell form; leading flags left out, and
        /// HEALTHCHECK's CMD keyword too.
        /// </summary>
        public IReadOnlyList<string> Words()
        {
            var text = Flags().Replace(Arguments, "");
            if (Keyword == "HEALTHCHECK" && text.StartsWith("CMD ", StringComparison.OrdinalIgnoreCase)) text = text[4..].TrimStart();
            if (text.TrimStart().StartsWith('[')) return JsonSerializer.Deserialize<string[]>(text)!;
            return text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }

        /// <summary>The value of a leading <c>--name=value</c> flag (COPY --from=build), or null.</summary>
        public string? Flag(string name) =>
            Regex.Match(Arguments, $@"(?:^|\s)--{Regex.Escape(name)}=(\S+)") is { Success: true } match ? match.Groups[1].Value : null;
    }

    public sealed record Stage(string BaseImage, string? Name, IReadOnlyList<Instruction> Instructions);

    private Dockerfile(IReadOnlyList<Stage> stages) => Stages = stages;

    public IReadOnlyList<Stage> Stages { get; }

    public Stage Final => Stages[^1];

    public static Dockerfile Parse(string text)
    {
        var stages = new List<Stage>();
        List<Instruction>? current = null;
        foreach (var instruction in Instructions(text))
        {
            if (instruction.Keyword == "FROM")
            {
                var words = instruction.Words();
                current = [];
                var name = words.Count >= 3 && words[^2].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[^1] : null;
                stages.Add(new Stage(words[0], name, current));
            }
            else
            {
                (current ?? throw new FormatException($"line {instruction.Line}: {instruction.Keyword} before any FROM")).Add(instruction);
            }
        }
        return new Dockerfile(stages);
    }

    /// <summary>Comments and parser directives dropped, backslash continuations joined.</summary>
    private static IEnumerable<Instruction> Instructions(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var start = i;
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            while (line.EndsWith('\\') && i + 1 < lines.Length) line = line[..^1] + " " + lines[++i].Trim();
            var space = line.IndexOf(' ');
            yield return new Instruction(line[..space].ToUpperInvariant(), line[(space + 1)..].Trim(), start + 1);
        }
    }

    [GeneratedRegex(@"^(\s*--\S+)+\s*")]
    private static partial Regex Flags();
}
