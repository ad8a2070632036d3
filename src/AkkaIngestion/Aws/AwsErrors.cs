using Amazon.Runtime;

namespace AkkaIngestion.Aws;

/// <summary>An S3 or SQS call that failed, told in one line: what the endpoint said, or why it could not be reached.</summary>
public static class AwsErrors
{
    public static string Explain(Exception e) => e switch
    {
        HttpRequestException http => $"cannot reach the endpoint: {http.Message}",
        AmazonServiceException service => $"{service.ErrorCode ?? service.StatusCode.ToString()}: {service.Message}",
        AmazonClientException client when client.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase) =>
            "no AWS credentials found (environment, profile or instance role)",
        _ => e.InnerException is HttpRequestException inner ? $"cannot reach the endpoint: {inner.Message}" : e.Message,
    };
}
