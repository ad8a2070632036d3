using AkkaIngestion.Aws;
using AkkaIngestion.Queueing;
using Amazon.S3;
using Amazon.SQS;
using Xunit;

namespace AkkaIngestion.EndToEnd.Aws.Fauxqs;

[Collection(FauxqsCollection.Name)]
public sealed class FauxqsServerTests(FauxqsServer fauxqs)
{
    [Fact]
    public void Listens_on_loopback_only()
    {
        var sockets = ListeningSockets("/proc/net/tcp").Concat(ListeningSockets("/proc/net/tcp6"))
            .Where(socket => socket.Port == fauxqs.Port).ToList();

        Assert.Equal(["0100007F"], sockets.Select(socket => socket.Address));
    }

    /// <summary>The SDK's own endpoint resolution (AWS_ENDPOINT_URL_S3 / _SQS) is what the factory relies on in production.</summary>
    [Fact]
    public async Task Clients_from_the_factory_follow_the_endpoint_environment_variables()
    {
        using var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var bucket = "env-" + Guid.NewGuid().ToString("N")[..16];
        var settings = fauxqs.ClientSettings with { EndpointUrl = null };
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_S3", fauxqs.ServiceUrl);
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_SQS", fauxqs.ServiceUrl);
        try
        {
            using var s3 = AwsClientFactory.CreateS3(settings);
            using var sqs = AwsClientFactory.CreateSqs(settings);

            Assert.True(((AmazonS3Config)s3.Config).ForcePathStyle);
            await new SqsSetup(s3, sqs).EnsureAsync(new S3StoreLocation(bucket, ""), new SqsQueueLocation(bucket, null), SqsSetupOptions.Default, ct.Token);
            await s3.GetBucketLocationAsync(bucket, ct.Token);
            await sqs.GetQueueUrlAsync(bucket, ct.Token);
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_S3", null);
            Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_SQS", null);
        }
    }

    private static IEnumerable<(string Address, int Port)> ListeningSockets(string table)
    {
        const string listen = "0A";
        foreach (var line in File.ReadLines(table).Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var local = fields[1].Split(':');
            if (fields[3] == listen) yield return (local[0], Convert.ToInt32(local[1], 16));
        }
    }
}
