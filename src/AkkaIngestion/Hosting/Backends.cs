using AkkaIngestion.Queueing;
using AkkaIngestion.Storage;

namespace AkkaIngestion.Hosting;

/// <summary>Turns the --store and --queue values into the store and queue behind the pipeline's interfaces.</summary>
public static class Backends
{
    /// <summary>A directory path, or s3://bucket[/prefix].</summary>
    public static IObjectStore OpenStore(string location)
    {
        if (string.IsNullOrWhiteSpace(location))
            throw new BackendConfigurationException("--store is empty: give a directory or s3://bucket[/prefix]");
        if (location.Contains("://", StringComparison.Ordinal))
            throw new BackendConfigurationException($"--store '{location}': only a local directory is supported by this build");
        return new DirectoryStore(Path.GetFullPath(location));
    }

    /// <summary>"memory", or sqs://name or a queue URL.</summary>
    public static IFileQueue OpenQueue(string location, IngestionOptions options)
    {
        if (string.Equals(location, "memory", StringComparison.OrdinalIgnoreCase))
            return new InProcessQueue(options.VisibilityTimeout);
        throw new BackendConfigurationException($"--queue '{location}': expected 'memory'");
    }
}

/// <summary>A --store/--queue value (or its configuration) that cannot work; one line for the user, exit code 2.</summary>
public sealed class BackendConfigurationException(string message) : Exception(message);
