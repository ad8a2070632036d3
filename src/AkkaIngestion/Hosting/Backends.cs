using AkkaIngestion.Aws;
using AkkaIngestion.Queueing;
using AkkaIngestion.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AkkaIngestion.Hosting;

/// <summary>Turns the --store and --queue values into the store and queue behind the pipeline's interfaces.</summary>
public static class Backends
{
    /// <summary>A directory path, or s3://bucket[/prefix] (endpoint, region and credentials the AWS SDK's way).</summary>
    public static IObjectStore OpenStore(string location, ILoggerFactory? loggers = null)
    {
        if (string.IsNullOrWhiteSpace(location))
            throw new BackendConfigurationException("--store is empty: give a directory or s3://bucket[/prefix]");
        if (AwsLocation.IsS3(location))
            return new S3Store(AwsClientFactory.CreateS3(), S3Location(location), logger: Logger<S3Store>(loggers));
        if (location.Contains("://", StringComparison.Ordinal))
            throw new BackendConfigurationException($"--store '{location}': expected a directory or s3://bucket[/prefix]");
        return new DirectoryStore(Path.GetFullPath(location));
    }

    /// <summary>"memory", or sqs://name or a queue URL.</summary>
    public static IFileQueue OpenQueue(string location, IngestionOptions options, ILoggerFactory? loggers = null)
    {
        if (string.Equals(location, "memory", StringComparison.OrdinalIgnoreCase))
            return new InProcessQueue(options.VisibilityTimeout);
        if (AwsLocation.IsSqs(location))
            return new SqsQueue(AwsClientFactory.CreateSqs(), SqsLocation(location), Logger<SqsQueue>(loggers),
                receiveVisibility: options.VisibilityTimeout);
        throw new BackendConfigurationException($"--queue '{location}': expected 'memory', sqs://name or an SQS queue URL");
    }

    /// <summary>s3://bucket[/prefix]; one that does not parse is a <see cref="BackendConfigurationException"/>.</summary>
    public static S3StoreLocation S3Location(string location) => Parse(() => AwsLocation.ParseS3(location));

    /// <summary>sqs://name or a queue URL; one that does not parse is a <see cref="BackendConfigurationException"/>.</summary>
    public static SqsQueueLocation SqsLocation(string location) => Parse(() => AwsLocation.ParseSqs(location));

    private static T Parse<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (ArgumentException e)
        {
            throw new BackendConfigurationException(e.Message);
        }
    }

    private static ILogger<T> Logger<T>(ILoggerFactory? loggers) => (loggers ?? NullLoggerFactory.Instance).CreateLogger<T>();
}

/// <summary>A --store/--queue value (or its configuration) that cannot work; one line for the user, exit code 2.</summary>
public sealed class BackendConfigurationException(string message) : Exception(message);
