using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.EndToEnd.Aws.Fauxqs;
using AkkaIngestion.Feeds;

namespace AkkaIngestion.EndToEnd.Aws.Runs;

/// <summary>
/// What a process-level S3/SQS test needs: a fresh bucket and queue on the shared fauxqs, the environment akka-ingest
/// reads them from, SDK clients to check the outcome with, and a scratch directory; all of it released on dispose.
/// </summary>
internal sealed class FauxqsRun(FauxqsServer fauxqs) : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public TempDirectory Temp { get; } = new();
    public string Bucket { get; } = "e2e-" + Guid.NewGuid().ToString("N")[..12];
    public string QueueName { get; } = "e2e-" + Guid.NewGuid().ToString("N")[..12];
    public IAmazonS3 S3 { get; } = fauxqs.CreateS3Client();
    public IAmazonSQS Sqs { get; } = fauxqs.CreateSqsClient();

    public string Store => $"s3://{Bucket}/mirror";
    public string Queue => $"sqs://{QueueName}";

    /// <summary>The AWS way: endpoint, region and credentials from the environment, read by the SDK itself.</summary>
    public Dictionary<string, string> Environment(params (string Key, string Value)[] extra)
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

    public Task<AkkaIngestCli.Result> CliAsync(params string[] args) => AkkaIngestCli.RunAsync(Temp.Path, Timeout, Environment(), args);

    /// <summary>The run verb on this bucket and queue, as a process the test can watch, kill or wait for.</summary>
    public RunningProcess StartRun(Uri source, string from, string to, (string Key, string Value)[] environment, params string[] extra) =>
        new(AkkaIngestCli.StartInfo(Temp.Path, Environment(environment),
            ["run", "--source", source.ToString(), "--store", Store, "--queue", Queue, "--from", from, "--to", to, "--json", .. extra]));

    public async Task SetupAsync()
    {
        var setup = await CliAsync("setup", "--store", Store, "--queue", Queue);
        Assert.True(setup.ExitCode == 0, setup.ToString());
    }

    public async Task<string> QueueUrlAsync() => (await Sqs.GetQueueUrlAsync(QueueName)).QueueUrl;

    public async Task<string> DeadLetterQueueUrlAsync() => (await Sqs.GetQueueUrlAsync(QueueName + "-dlq")).QueueUrl;

    /// <summary>Received and neither deleted nor visible again yet.</summary>
    public async Task<int> MessagesInFlightAsync(string queueUrl) =>
        (await Sqs.GetQueueAttributesAsync(queueUrl, ["ApproximateNumberOfMessagesNotVisible"])).ApproximateNumberOfMessagesNotVisible;

    /// <summary>Visible and in flight: everything not yet deleted.</summary>
    public async Task<int> MessagesInAsync(string queueUrl)
    {
        var attributes = await Sqs.GetQueueAttributesAsync(queueUrl, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]);
        return attributes.ApproximateNumberOfMessages + attributes.ApproximateNumberOfMessagesNotVisible;
    }

    /// <summary>Messages as a producer other than the scheduler would send them: a body and a feed attribute.</summary>
    public async Task SendAsync(string queueUrl, params string[] bodies)
    {
        foreach (var body in bodies)
            await Sqs.SendMessageAsync(new SendMessageRequest(queueUrl, body)
            {
                MessageAttributes = new Dictionary<string, MessageAttributeValue>
                {
                    ["feed"] = new() { DataType = "String", StringValue = FeedDefinition.GhArchiveId },
                },
            });
    }

    /// <summary>Receives and deletes everything: for assertions at the end of a test.</summary>
    public async Task<List<string>> DrainBodiesAsync(string queueUrl)
    {
        var bodies = new List<string>();
        while (true)
        {
            var received = await Sqs.ReceiveMessageAsync(new ReceiveMessageRequest(queueUrl) { MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
            if (received.Messages is not { Count: > 0 } messages) return bodies;
            foreach (var message in messages)
            {
                bodies.Add(message.Body);
                await Sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle);
            }
        }
    }

    /// <summary>
    /// This bucket's open multipart uploads, read from fauxqs's storage (it does not answer ListMultipartUploads): it keeps
    /// each as _multipart/&lt;upload id&gt;/.upload.json until the upload is completed or aborted.
    /// </summary>
    public IReadOnlyList<OpenUpload> OpenMultipartUploads()
    {
        var root = Path.Combine(fauxqs.S3StorageDir, "_multipart");
        if (!Directory.Exists(root)) return [];
        var uploads = new List<OpenUpload>();
        foreach (var manifest in Directory.GetFiles(root, ".upload.json", SearchOption.AllDirectories))
        {
            try
            {
                using var json = JsonDocument.Parse(File.ReadAllText(manifest));
                var upload = json.RootElement;
                if (upload.GetProperty("bucket").GetString() == Bucket)
                    uploads.Add(new OpenUpload(upload.GetProperty("uploadId").GetString()!, upload.GetProperty("key").GetString()!));
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                // Completed or aborted while being read: no longer open.
            }
        }
        return uploads;
    }

    public sealed record OpenUpload(string UploadId, string Key);

    public async Task<List<string>> StoredKeysAsync()
    {
        var listed = await S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = "mirror/raw/" });
        return (listed.S3Objects ?? []).Select(o => o.Key).Order().ToList();
    }

    /// <summary>Every generated file is in the bucket with exactly its bytes, and nothing else is under raw/.</summary>
    public async Task AssertStoredByteIdenticalAsync(IReadOnlyList<GeneratedFile> generated)
    {
        foreach (var file in generated)
        {
            using var response = await S3.GetObjectAsync(Bucket, $"mirror/raw/{file.Name}");
            Assert.Equal(file.Length, response.ContentLength);
            // Hashed as it streams: the files may be far larger than a test should hold in memory.
            var stored = await SHA256.HashDataAsync(response.ResponseStream);
            await using var original = File.OpenRead(file.Path);
            Assert.True((await SHA256.HashDataAsync(original)).SequenceEqual(stored), $"{file.Name} differs from the source");
        }
        Assert.Equal(generated.Select(g => $"mirror/raw/{g.Name}").Order(), await StoredKeysAsync());
    }

    public static DateTime Hour(string text) => ArchiveHour.TryParse(text, out var hour, out var error) ? hour : throw new ArgumentException(error);

    /// <summary>Polls until <paramref name="condition"/> holds; the failure names what was awaited.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? detail = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, what, detail);

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? detail = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout) Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting for {what}\n{detail?.Invoke()}");
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        S3.Dispose();
        Sqs.Dispose();
        Temp.Dispose();
    }
}
