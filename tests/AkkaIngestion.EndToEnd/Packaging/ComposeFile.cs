using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace AkkaIngestion.EndToEnd.Packaging;

/// <summary>
/// docker/compose.yaml as plain data (anchors and <c>&lt;&lt;</c> merge keys resolved, as compose resolves them), with
/// accessors for the few keys the checks read. Forms compose also accepts but this file does not use (a command as one
/// string, environment as a list) are reported as a failure rather than guessed at.
/// </summary>
internal sealed class ComposeFile
{
    public const string RelativePath = "docker/compose.yaml";

    public sealed record Service(string Name, IReadOnlyDictionary<string, object?> Keys)
    {
        public string? Image => Keys.GetValueOrDefault("image") as string;

        public string? Dockerfile => Keys.GetValueOrDefault("build") is Dictionary<object, object?> build ? build.GetValueOrDefault("dockerfile") as string : null;

        public IReadOnlyList<string> Command => Keys.GetValueOrDefault("command") switch
        {
            null => [],
            List<object?> list => list.Select(item => (string)item!).ToList(),
            var other => throw new FormatException($"service {Name}: command must be a list (exec form), not {other}"),
        };

        public IReadOnlyDictionary<string, string> Environment => Keys.GetValueOrDefault("environment") switch
        {
            null => new Dictionary<string, string>(),
            Dictionary<object, object?> map => map.ToDictionary(pair => (string)pair.Key, pair => (string)pair.Value!),
            var other => throw new FormatException($"service {Name}: environment must be a mapping, not {other}"),
        };

        /// <summary>Service name to condition.</summary>
        public IReadOnlyDictionary<string, string> DependsOn => Keys.GetValueOrDefault("depends_on") switch
        {
            null => new Dictionary<string, string>(),
            Dictionary<object, object?> map => map.ToDictionary(pair => (string)pair.Key,
                pair => (string)((Dictionary<object, object?>)pair.Value!)["condition"]!),
            var other => throw new FormatException($"service {Name}: depends_on must be a mapping with conditions, not {other}"),
        };

        public IReadOnlyList<string> Strings(string key) => Keys.GetValueOrDefault(key) switch
        {
            null => [],
            List<object?> list => list.Select(item => (string)item!).ToList(),
            var other => throw new FormatException($"service {Name}: {key} must be a list, not {other}"),
        };

        /// <summary>The value after <paramref name="option"/> in the command, or null.</summary>
        public string? Option(string option)
        {
            var command = Command;
            var index = command.ToList().IndexOf(option);
            return index >= 0 && index + 1 < command.Count ? command[index + 1] : null;
        }
    }

    private ComposeFile(IReadOnlyDictionary<string, Service> services) => Services = services;

    public IReadOnlyDictionary<string, Service> Services { get; }

    /// <summary>The services whose image is the one docker/Dockerfile builds: each runs akka-ingest.</summary>
    public IReadOnlyList<Service> AkkaIngestServices => Services.Values.Where(s => s.Dockerfile == "docker/Dockerfile").ToList();

    public IReadOnlyList<Service> Nodes => AkkaIngestServices.Where(s => s.Command.FirstOrDefault() == "run").ToList();

    public static ComposeFile Load() => Parse(RepositoryFiles.Read(RelativePath));

    public static ComposeFile Parse(string yaml)
    {
        var document = new DeserializerBuilder().Build()
            .Deserialize<Dictionary<object, object?>>(new MergingParser(new Parser(new StringReader(yaml))));
        var services = (Dictionary<object, object?>)document["services"]!;
        return new ComposeFile(services.ToDictionary(
            pair => (string)pair.Key,
            pair => new Service((string)pair.Key, ((Dictionary<object, object?>)pair.Value!).ToDictionary(k => (string)k.Key, k => k.Value))));
    }
}
