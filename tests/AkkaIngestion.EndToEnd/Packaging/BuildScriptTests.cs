using System.Text.RegularExpressions;

namespace AkkaIngestion.EndToEnd.Packaging;

/// <summary>
/// build.ps1, checked without PowerShell: it may run only dotnet commands that README.md, test.sh or .ci/run also run,
/// so the Windows wrapper cannot drift from what the project documents and tests.
/// </summary>
public sealed partial class BuildScriptTests
{
    private static readonly string Script = RepositoryFiles.Read("build.ps1");

    [Fact]
    public void Every_dotnet_command_it_runs_is_one_the_readme_or_test_scripts_run()
    {
        var documented = new[] { "README.md", "test.sh", ".ci/run" }
            .SelectMany(file => DotnetCommands.InShellOrMarkdown(RepositoryFiles.Read(file))).ToHashSet();
        var commands = DotnetCommands.InPowerShell(Script);
        Assert.True(commands.Count >= 4, "expected a dotnet command for each task:\n" + string.Join('\n', commands));
        var undocumented = commands.Where(command => !documented.Contains(command)).ToList();
        Assert.True(undocumented.Count == 0,
            "not in README.md, test.sh or .ci/run:\n" + string.Join('\n', undocumented) + "\n\nthose run:\n" + string.Join('\n', documented.Order()));
    }

    [Fact]
    public void Every_task_it_offers_runs_dotnet()
    {
        var tasks = TaskSet().Match(Script);
        Assert.True(tasks.Success, "build.ps1 declares its tasks with [ValidateSet(...)] on -Task");
        var names = Regex.Matches(tasks.Groups["names"].Value, "'([^']+)'").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["restore", "build", "test", "publish"], names);
        foreach (var name in names)
        {
            var body = SwitchBranch(name);
            Assert.True(body is not null, $"no '{name}' {{ ... }} branch in the switch on $Task");
            Assert.NotEmpty(DotnetCommands.InPowerShell(body));
        }
    }

    [Fact]
    public void Normalisation_makes_the_same_command_equal_across_bash_and_powershell()
    {
        // The comparison above is only as good as this: a command written both ways must come out identical.
        const string bash = "if ! dotnet test A.sln -c Release \\\n  --logger \"console;verbosity=normal\" --results-directory \"$results\"; then";
        const string powershell = "<# dotnet help text #>\n'test' { dotnet test A.sln -c Release `\n --logger \"console;verbosity=normal\" --results-directory \"$results\" } # dotnet x";
        var fromBash = Assert.Single(DotnetCommands.InShellOrMarkdown(bash));
        Assert.Equal(fromBash, Assert.Single(DotnetCommands.InPowerShell(powershell)));
        Assert.Equal("dotnet test A.sln -c Release --logger console;verbosity=normal --results-directory $VAR", fromBash);
    }

    /// <summary>The text between the braces of <c>'name' { ... }</c>, braces inside it balanced.</summary>
    private static string? SwitchBranch(string name)
    {
        var label = Regex.Match(Script, $@"'{Regex.Escape(name)}'\s*\{{");
        if (!label.Success) return null;
        var depth = 1;
        for (var i = label.Index + label.Length; i < Script.Length; i++)
        {
            depth += Script[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (depth == 0) return Script[(label.Index + label.Length)..i];
        }
        return null;
    }

    [GeneratedRegex(@"\[ValidateSet\((?<names>[^)]*)\)\]\s*\[string\]\s*\$Task")]
    private static partial Regex TaskSet();
}
