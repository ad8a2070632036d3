using System.Text.Json;
using Amazon.SQS.Model;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.EndToEnd.Aws.Fauxqs;
using AkkaIngestion.Feeds;
using AkkaIngestion.Queueing;
using AkkaIngestion.Storage;
using static AkkaIngestion.EndToEnd.Aws.Runs.FauxqsRun;

namespace AkkaIngestion.EndToEnd.Aws.Runs;

/// <summary><c>dlq list</c> and <c>dlq redrive</c> as an operator uses them after a run dead-lettered some messages.</summary>
[Collection(FauxqsCollection.Name)]
public sealed class DlqCommandTests(FauxqsServer fauxqs) : IDisposable
{
    private readonly FauxqsRun _aws = new(fauxqs);

    [Fact]
    public async Task List_shows_every_dead_letter_with_its_reason_without_consuming_and_redrive_moves_them_all_back()
    {
        await _aws.SetupAsync();
        var queueUrl = await _aws.QueueUrlAsync();
        var deadLetterUrl = await _aws.DeadLetterQueueUrlAsync();
        // Two bodies that are no file name, and a real file name the archive does not have (404 to every attempt).
        const string missingFile = "2024-02-28-23.json.gz";
        await _aws.SendAsync(queueUrl, "junk", "../../etc/passwd", missingFile);
        var archive = _aws.Temp.Sub("archive");
        ArchiveGenerator.Generate(archive, Hour("2024-02-28T20"), Hour("2024-02-28T21"), 1024, []);
        await using var sim = await ArchiveSimServer.StartAsync(new ArchiveSimOptions { Root = archive });
        var run = await _aws.CliAsync("run", "--source", sim.BaseUrl.ToString(), "--store", _aws.Store, "--queue", _aws.Queue,
            "--from", "2024-02-28T20", "--to", "2024-02-28T21", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        // Received before the scheduler sent anything, so settled before the run's drain ended.
        Assert.True(await _aws.MessagesInAsync(deadLetterUrl) == 3, run.ToString());

        var list = await _aws.CliAsync("dlq", "list", "--queue", _aws.Queue, "--store", _aws.Store, "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        var listed = JsonDocument.Parse(list.Stdout).RootElement;
        Assert.Equal($"sqs://{_aws.QueueName}-dlq", listed.GetProperty("deadLetterQueue").GetString());
        var messages = listed.GetProperty("messages").EnumerateArray().ToDictionary(m => m.GetProperty("body").GetString()!);
        Assert.Equal(["../../etc/passwd", missingFile, "junk"], messages.Keys.Order());
        Assert.Contains("is not a file name", messages["junk"].GetProperty("reason").GetString());
        Assert.Contains("answered HTTP 404", messages[missingFile].GetProperty("reason").GetString());
        // The store's records are matched to their messages (the bridge wrote one per dead letter).
        Assert.All(messages.Values, m => Assert.Equal(JsonValueKind.Object, m.GetProperty("record").ValueKind));
        Assert.Equal($"dead-letters/{missingFile}.json", messages[missingFile].GetProperty("record").GetProperty("key").GetString());
        Assert.Empty(listed.GetProperty("records").EnumerateArray());

        // Listing consumed nothing: the messages are all visible again at once, and a second listing sees the same.
        Assert.Equal(3, (await _aws.Sqs.GetQueueAttributesAsync(deadLetterUrl, ["ApproximateNumberOfMessages"])).ApproximateNumberOfMessages);
        var table = await _aws.CliAsync("dlq", "list", "--queue", _aws.Queue);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains($"3 dead letter(s) in sqs://{_aws.QueueName}-dlq", table.Stdout);
        Assert.Contains("HTTP 404", table.Stdout);

        var redrive = await _aws.CliAsync("dlq", "redrive", "--queue", _aws.Queue, "--store", _aws.Store);
        Assert.True(redrive.ExitCode == 0, redrive.ToString());
        Assert.Contains("moved 3 message(s)", redrive.Stdout);
        Assert.Contains("removed 3 dead-letter record(s)", redrive.Stdout);
        Assert.Equal(0, await _aws.MessagesInAsync(deadLetterUrl));
        var back = (await _aws.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest(queueUrl)
        {
            MaxNumberOfMessages = 10, WaitTimeSeconds = 1, MessageAttributeNames = ["All"],
        })).Messages;
        Assert.Equal(["../../etc/passwd", missingFile, "junk"], back.Select(m => m.Body).Order());
        // Back as the scheduler would have sent them: the feed attribute, no dead-letter reason.
        Assert.All(back, m => Assert.Equal(FeedDefinition.GhArchiveId, m.MessageAttributes["feed"].StringValue));
        Assert.All(back, m => Assert.False(m.MessageAttributes.ContainsKey(SqsQueue.ReasonAttribute)));
        var after = await _aws.CliAsync("dlq", "list", "--queue", _aws.Queue, "--store", _aws.Store, "--json");
        Assert.True(after.ExitCode == 0, after.ToString());
        var empty = JsonDocument.Parse(after.Stdout).RootElement;
        Assert.Empty(empty.GetProperty("messages").EnumerateArray());
        Assert.Empty(empty.GetProperty("records").EnumerateArray());
    }

    [Fact]
    public async Task With_the_in_process_queue_list_shows_the_store_records_and_redrive_says_how_to_re_run()
    {
        var data = _aws.Temp.Sub("data");
        var store = new DirectoryStore(data);
        var feed = FeedDefinition.GhArchive();
        var record = new DeadLetterRecord("m-1", feed.Id, "2024-01-01-5.json.gz", "2024-01-01-5.json.gz", "permanent error, not retried: 404",
            1, DateTimeOffset.UtcNow);
        await store.WriteTextAsync(record.Key(feed), record.ToJson(), CancellationToken.None);

        var list = await _aws.CliAsync("dlq", "list", "--queue", "memory", "--store", data, "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        var listed = JsonDocument.Parse(list.Stdout).RootElement;
        Assert.Empty(listed.GetProperty("messages").EnumerateArray());
        var stored = Assert.Single(listed.GetProperty("records").EnumerateArray());
        Assert.Equal("2024-01-01-5.json.gz", stored.GetProperty("file").GetString());
        Assert.Contains("404", stored.GetProperty("reason").GetString());

        var redrive = await _aws.CliAsync("dlq", "redrive", "--queue", "memory", "--store", data);
        AssertUsageError(redrive, "dlq redrive", "run --from");
        Assert.True(File.Exists(Path.Combine(data, record.Key(feed))), "the record was removed although nothing was redriven");
    }

    [Fact]
    public async Task Bad_input_is_one_line_and_exit_2()
    {
        AssertUsageError(await _aws.CliAsync("dlq", "list", "--queue", "rabbit://x"), "dlq list", "--queue 'rabbit://x'");
        AssertUsageError(await _aws.CliAsync("dlq", "redrive", "--queue", "sqs://"), "dlq redrive", "not a valid queue name");
        AssertUsageError(await _aws.CliAsync("dlq", "list", "--queue", $"sqs://{_aws.QueueName}"), "dlq list", "does not exist");
        AssertUsageError(await _aws.CliAsync("dlq"), "dlq", "");
        AssertUsageError(await _aws.CliAsync("dlq", "list", "--bogus"), "dlq list", "--bogus");

        await _aws.Sqs.CreateQueueAsync(_aws.QueueName);
        AssertUsageError(await _aws.CliAsync("dlq", "redrive", "--queue", _aws.Queue), "dlq redrive", "no dead-letter queue");
    }

    private static void AssertUsageError(AkkaIngestCli.Result result, string verb, string named)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"akka-ingest {verb}", line);
        Assert.Contains(named, line);
        Assert.Equal("", result.Stdout.Trim());
    }

    public void Dispose() => _aws.Dispose();
}
