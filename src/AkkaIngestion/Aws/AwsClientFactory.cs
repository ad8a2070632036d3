using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;

namespace AkkaIngestion.Aws;

/// <summary>
/// Overrides of the SDK's own defaults; leave a field null to keep the SDK's resolution (default credential chain,
/// AWS_REGION / profile region, and the configured endpoint AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_SQS).
/// </summary>
public sealed record AwsClientSettings(string? EndpointUrl = null, string? Region = null, AWSCredentials? Credentials = null);

public static class AwsClientFactory
{
    public static IAmazonS3 CreateS3(AwsClientSettings? settings = null)
    {
        var config = new AmazonS3Config();
        Configure(config, settings);
        // A custom endpoint (emulator, MinIO) rarely resolves bucket sub-domains; the SDK already picked it up from the
        // environment when ServiceURL reads non-null here.
        config.ForcePathStyle = !string.IsNullOrEmpty(config.ServiceURL);
        return settings?.Credentials is { } credentials ? new AmazonS3Client(credentials, config) : new AmazonS3Client(config);
    }

    public static IAmazonSQS CreateSqs(AwsClientSettings? settings = null)
    {
        var config = new AmazonSQSConfig();
        Configure(config, settings);
        return settings?.Credentials is { } credentials ? new AmazonSQSClient(credentials, config) : new AmazonSQSClient(config);
    }

    private static void Configure(ClientConfig config, AwsClientSettings? settings)
    {
        // ServiceURL and RegionEndpoint exclude each other in the SDK: setting the region clears any endpoint already
        // read (even one the SDK took from AWS_ENDPOINT_URL*), so the region goes first, or only signs requests.
        if (settings?.EndpointUrl is { } endpoint)
        {
            config.ServiceURL = endpoint;
            if (settings.Region is { } signingRegion) config.AuthenticationRegion = signingRegion;
        }
        else if (settings?.Region is { } region)
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
        }
    }
}
