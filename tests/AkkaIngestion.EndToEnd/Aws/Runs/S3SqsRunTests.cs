using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.EndToEnd.Aws.Fauxqs;
using AkkaIngestion.Feeds;

namespace AkkaIngestion.EndToEnd.Aws.Runs;

/// <summary>The production path: setup, then run into S3 through SQS, as processes against fauxqs and the simulator.</summary>
[Collection(FauxqsCollection.Name)]
public sealed class S3SqsRunTests(FauxqsServer fauxqs) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _temp = new();
    private readonly string _bucket = "e2e-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _queue = "e2e-" + Guid.NewGuid().ToString("N")[..12];
    private readonly IAmazonS3 _s3 = fauxqs.CreateS3Client();
    private readonly IAmazonSQS _sqs = fauxqs.CreateSqsClient();

    /// <summary>The AWS way: endpoint, region and credentials from the environment, read by the SDK itself.</summary>
    private Dictionary<string, string> Aws(params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = fauxqs.ServiceUrl,
            ["AWS_REGION"] = FauxqsServer.Region,
            ["AWS_ACCESS_KEY_ID"] = "test",
            ["AWS_SECRET_ACCESS_KEY"] = "test",
            ["AKKA_INGEST__RETRYBASEDELAY"] = "00:00:00.050",
            ["AKKA_INGEST__RECEIVEWAIT"] = "00:00:01",
        };
        foreach (var (key, value) in extra) environment[key] = value;
        return environment;
    }

    private static DateTime Hour(string text) => ArchiveHour.TryParse(text, out var hour, out var error) ? hour : throw new ArgumentException(error);

    [Fact]
    public async Task Setup_then_run_stores_every_file_byte_identical_and_dead_letters_only_the_poison()
    {
        var setup = await AkkaIngestCli.RunAsync(_temp.Path, Timeout, Aws(), "setup", "--store", $"s3://{_bucket}/mirror", "--queue", $"sqs://{_queue}");
        Assert.True(setup.ExitCode == 0, setup.ToString());
        Assert.Contains("created", setup.Stdout);
        var again = await AkkaIngestCli.RunAsync(_temp.Path, Timeout, Aws(), "setup", "--store", $"s3://{_bucket}/mirror", "--queue", $"sqs://{_queue}");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("nothing changed", again.Stdout);

        var queueUrl = (await _sqs.GetQueueUrlAsync(_queue)).QueueUrl;
        var deadLetterUrl = (await _sqs.GetQueueUrlAsync(_queue + "-dlq")).QueueUrl;
        foreach (var poison in new[] { "../../etc/passwd", "http://evil/x", "junk" })
            await _sqs.SendMessageAsync(new SendMessageRequest(queueUrl, poison)
            {
                MessageAttributes = new Dictionary<string, MessageAttributeValue>
                {
                    ["feed"] = new() { DataType = "String", StringValue = FeedDefinition.GhArchiveId },
                },
            });

        var archive = _temp.Sub("archive");
        var generated = ArchiveGenerator.Generate(archive, Hour("2024-02-28T20"), Hour("2024-03-01T03"), 40 * 1024, [Hour("2024-02-29T12")]);
        await using var sim = await ArchiveSimServer.StartAsync(new ArchiveSimOptions
        {
            Root = archive, FailRate = 0.15, TruncateRate = 0.1, ResetRate = 0.1, Seed = 11,
        });

        var run = await AkkaIngestCli.RunAsync(_temp.Path, Timeout, Aws(),
            "run", "--source", sim.BaseUrl.ToString(), "--store", $"s3://{_bucket}/mirror", "--queue", $"sqs://{_queue}",
            "--from", "2024-02-28T20", "--to", "2024-03-01T03", "--workers", "4", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(sim.Stats.TotalFaults > 0, "no fault was injected");
        var summary = JsonDocument.Parse(run.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(generated.Count, summary.GetProperty("filesStored").GetInt32());

        foreach (var file in generated)
        {
            using var response = await _s3.GetObjectAsync(_bucket, $"mirror/raw/{file.Name}");
            using var copy = new MemoryStream();
            await response.ResponseStream.CopyToAsync(copy);
            Assert.Equal(await File.ReadAllBytesAsync(file.Path), copy.ToArray());
        }
        var keys = (await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = "mirror/raw/" }))
            .S3Objects.Select(o => o.Key).ToList();
        Assert.Equal(generated.Select(g => $"mirror/raw/{g.Name}").Order(), keys.Order());
        Assert.Empty(OpenMultipartUploads());

        Assert.Equal(0, await MessagesIn(queueUrl));
        var dead = await DrainBodies(deadLetterUrl);
        Assert.Equal(["../../etc/passwd", "http://evil/x", "junk"], dead.Order());
        // Nothing but real hour files was ever fetched: the poison never reached the source.
        var names = generated.Select(g => g.Name).ToHashSet();
        Assert.All(sim.Stats.GetsPerFile.Keys, requested => Assert.Contains(requested, names));
    }

    private IReadOnlyList<string> OpenMultipartUploads()
    {
        var root = Path.Combine(fauxqs.S3StorageDir, "_multipart");
        return Directory.Exists(root) ? Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories) : [];
    }

    private async Task<int> MessagesIn(string queueUrl)
    {
        var attributes = await _sqs.GetQueueAttributesAsync(queueUrl, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]);
        return attributes.ApproximateNumberOfMessages + attributes.ApproximateNumberOfMessagesNotVisible;
    }

    private async Task<List<string>> DrainBodies(string queueUrl)
    {
        var bodies = new List<string>();
        while (true)
        {
            var received = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(queueUrl) { MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
            if (received.Messages is not { Count: > 0 } messages) return bodies;
            foreach (var message in messages)
            {
                bodies.Add(message.Body);
                await _sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle);
            }
        }
    }

    public void Dispose()
    {
        _s3.Dispose();
        _sqs.Dispose();
        _temp.Dispose();
    }
}
