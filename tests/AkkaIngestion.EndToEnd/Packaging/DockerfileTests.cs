using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace AkkaIngestion.EndToEnd.Packaging;

/// <summary>docker/Dockerfile, checked without a docker engine: what it pulls, copies, runs and runs as.</summary>
public sealed class DockerfileTests
{
    private const string CliProject = "src/AkkaIngestion.Cli/AkkaIngestion.Cli.csproj";
    private static readonly Dockerfile Image = Dockerfile.Parse(RepositoryFiles.Read("docker/Dockerfile"));

    [Fact]
    public void Every_base_image_is_pinned_to_a_version()
    {
        var stageNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var stage in Image.Stages)
        {
            if (!stageNames.Contains(stage.BaseImage) && ImageReference.PinningProblem(stage.BaseImage) is { } problem) problems.Add(problem);
            if (stage.Name is not null) stageNames.Add(stage.Name);
        }
        Assert.True(Image.Stages.Count >= 2, "expected a build stage and a runtime stage");
        Assert.Empty(problems);
    }

    [Fact]
    public void The_app_brings_its_own_runtime_compiled_ahead_of_time_with_it()
    {
        var runs = Image.Stages[0].Instructions.Where(i => i.Keyword == "RUN").Select(i => i.Words().ToList()).ToList();
        var restore = runs.Single(words => words.Contains("restore"));
        var publish = runs.Single(words => words.Contains("publish"));
        Assert.Contains("--self-contained", publish);
        Assert.Equal("true", publish[publish.IndexOf("--self-contained") + 1]);
        Assert.Contains("-p:PublishReadyToRunComposite=true", publish);
        // publish --no-restore finds no runtime pack (or no crossgen) unless restore was told the same.
        Assert.Contains("--no-restore", publish);
        Assert.Contains("-p:SelfContained=true", restore);
        Assert.Contains("-p:PublishReadyToRun=true", restore);
        // So the final image needs only the runtime's native dependencies.
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime-deps:", Image.Final.BaseImage);
    }

    [Fact]
    public void The_final_stage_runs_as_a_user_that_is_not_root()
    {
        var user = Image.Final.Instructions.LastOrDefault(i => i.Keyword == "USER");
        Assert.NotNull(user);
        var name = user.Arguments.Split(':')[0];
        Assert.DoesNotContain(name, new[] { "root", "0" });
        // Whatever RUN follows the USER line runs as that user too; the ENTRYPOINT must come after it.
        var instructions = Image.Final.Instructions.ToList();
        Assert.True(instructions.IndexOf(user) < instructions.FindIndex(i => i.Keyword == "ENTRYPOINT"), "USER must precede ENTRYPOINT");
    }

    [Fact]
    public void Every_copied_path_exists_in_the_repository()
    {
        var copies = Image.Stages.SelectMany(s => s.Instructions).Where(i => i.Keyword is "COPY" or "ADD" && i.Flag("from") is null).ToList();
        Assert.NotEmpty(copies);
        var missing = copies.SelectMany(c => c.Words().SkipLast(1)).Where(source => !RepositoryFiles.Exists(source)).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Restore_sees_every_project_the_cli_builds_from_and_the_shared_build_files()
    {
        // Restore runs on the project files alone (for the layer cache); a project reference added later and not copied
        // there makes the image build fail at publish, so the list is checked against the real references.
        var restoreIndex = Image.Stages[0].Instructions.ToList().FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore"));
        Assert.True(restoreIndex >= 0, "the build stage runs dotnet restore");
        var copiedBeforeRestore = Image.Stages[0].Instructions.Take(restoreIndex).Where(i => i.Keyword == "COPY")
            .SelectMany(c => c.Words().SkipLast(1)).ToHashSet();

        var needed = ProjectClosure(CliProject).Append("Directory.Build.props").Append("Directory.Packages.props");
        var missing = needed.Where(path => !copiedBeforeRestore.Contains(path)).ToList();
        Assert.True(missing.Count == 0, "not copied before dotnet restore: " + string.Join(", ", missing));
    }

    [Fact]
    public void It_publishes_the_cli_and_starts_it()
    {
        var runs = Image.Stages.SelectMany(s => s.Instructions).Where(i => i.Keyword == "RUN").Select(i => i.Arguments).ToList();
        Assert.Contains(runs, run => run.Contains("dotnet publish " + CliProject));
        var assemblyName = XDocument.Load(RepositoryFiles.PathOf(CliProject)).Descendants("AssemblyName").Single().Value;
        var entrypoint = Image.Final.Instructions.Single(i => i.Keyword == "ENTRYPOINT").Words();
        Assert.Equal([$"/app/{assemblyName}"], entrypoint);
        Assert.Contains(Image.Final.Instructions, i => i.Keyword == "COPY" && i.Flag("from") == Image.Stages[0].Name && i.Words()[^1] == "/app");
    }

    [Fact]
    public void The_health_check_runs_the_copied_script_against_an_exposed_port()
    {
        var check = Image.Final.Instructions.Single(i => i.Keyword == "HEALTHCHECK").Words();
        var script = check.Single(word => word.EndsWith("healthcheck.sh"));
        Assert.Contains(Image.Final.Instructions, i => i.Keyword == "COPY" && i.Words().SequenceEqual(["docker/healthcheck.sh", script]));
        Assert.Contains(check[^1], ExposedPorts());
    }

    [Fact]
    public void The_build_context_leaves_out_host_build_output()
    {
        // An obj/ from the host copied over the image's own restore breaks the publish.
        var patterns = RepositoryFiles.Read("docker/Dockerfile.dockerignore").Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains("**/bin/", patterns);
        Assert.Contains("**/obj/", patterns);
    }

    public static IReadOnlyList<string> ExposedPorts() =>
        Image.Final.Instructions.Where(i => i.Keyword == "EXPOSE").SelectMany(i => i.Words()).Select(p => p.Split('/')[0]).ToList();

    /// <summary>The project and every project it references, transitively, as repository-relative paths.</summary>
    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current)) continue;
            var directory = Path.GetDirectoryName(current)!;
            foreach (var reference in XDocument.Load(RepositoryFiles.PathOf(current)).Descendants("ProjectReference"))
            {
                var combined = Path.GetFullPath(Path.Combine(RepositoryFiles.Root, directory, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                pending.Push(Path.GetRelativePath(RepositoryFiles.Root, combined).Replace('\\', '/'));
            }
        }
        return seen;
    }
}
