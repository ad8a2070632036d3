using AkkaIngestion.Aws;
using AkkaIngestion.Queueing;
using AkkaIngestion.EndToEnd.Aws.Fauxqs;
using Amazon.SQS;
using Amazon.SQS.Model;
using Xunit;

namespace AkkaIngestion.EndToEnd.Aws.Queueing;

[Collection(FauxqsCollection.Name)]
public sealed class SqsQueueTests(FauxqsServer fauxqs) : IDisposable
{
    private readonly IAmazonSQS _sqs = fauxqs.CreateSqsClient();
    private readonly string _name = "q-" + Guid.NewGuid().ToString("N")[..16];
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    public void Dispose() => _sqs.Dispose();

    [Fact]
    public async Task Jobs_sent_in_batches_come_back_with_their_feed_and_are_gone_once_acked()
    {
        var queue = await SetUpQueueAsync();
        var jobs = Enumerable.Range(0, 23).Select(hour => new FileJob(hour % 2 == 0 ? "even" : "odd", $"2015-01-01-{hour}.json.gz")).ToList();

        await queue.SendBatchAsync(jobs, _ct);
        var received = await ReceiveAtLeastAsync(queue, jobs.Count);

        Assert.Equal(jobs.OrderBy(job => job.FileName), received.Select(m => new FileJob(m.FeedId!, m.Body)).OrderBy(job => job.FileName));
        Assert.All(received, message => Assert.Equal(1, message.ReceiveCount));
        foreach (var message in received) await queue.AckAsync(message, _ct);
        Assert.Equal((0, 0), await CountsAsync(_name));
    }

    [Fact]
    public async Task Acknowledgements_given_together_share_delete_batches_and_fail_one_by_one()
    {
        using var checkedSqs = fauxqs.CreateSqsClientWithReceiptHandleCheck();
        var queue = await SetUpQueueAsync();
        queue = new SqsQueue(checkedSqs, new SqsQueueLocation(_name, await queue.QueueUrlAsync(_ct)));
        var jobs = Enumerable.Range(0, 19).Select(hour => new FileJob("gharchive", $"2015-01-01-{hour}.json.gz")).ToList();
        await queue.SendBatchAsync(jobs, _ct);
        var received = await ReceiveAtLeastAsync(queue, jobs.Count);
        var requests = new List<string>();
        ((AmazonSQSClient)checkedSqs).BeforeRequestEvent += (_, e) =>
        {
            if (e is Amazon.Runtime.WebServiceRequestEventArgs request) lock (requests) requests.Add(request.Request.GetType().Name);
        };
        var stale = received[0] with { ReceiptHandle = "not-a-receipt-handle" };

        var acks = received.Select(message => queue.AckAsync(message, _ct)).Append(queue.AckAsync(stale, _ct)).ToList();
        await Task.WhenAll(acks.Take(received.Count));

        await Assert.ThrowsAnyAsync<Exception>(() => acks[^1]);
        Assert.Equal((0, 0), await CountsAsync(_name));
        lock (requests)
            Assert.Equal(["DeleteMessageBatchRequest", "DeleteMessageBatchRequest"], requests.Where(name => name.StartsWith("Delete")));
    }

    [Fact]
    public async Task A_released_message_comes_back_at_once_with_its_receive_count_raised()
    {
        var queue = await SetUpQueueAsync();
        await queue.SendBatchAsync([new FileJob("gharchive", "2015-01-01-15.json.gz")], _ct);

        var counts = new List<int>();
        for (var delivery = 0; delivery < 3; delivery++)
        {
            var message = Assert.Single(await queue.ReceiveAsync(10, TimeSpan.FromSeconds(5), _ct));
            counts.Add(message.ReceiveCount);
            await queue.ReleaseAsync(message, _ct);
        }

        Assert.Equal([1, 2, 3], counts);
    }

    [Fact]
    public async Task Extended_visibility_keeps_a_message_hidden_past_the_queue_timeout()
    {
        var queue = await SetUpQueueAsync(new SqsSetupOptions(TimeSpan.FromSeconds(1), 5));
        await queue.SendBatchAsync([new FileJob("gharchive", "2015-01-01-15.json.gz")], _ct);
        var message = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(5), _ct));

        await queue.ExtendVisibilityAsync(message, TimeSpan.FromSeconds(60), _ct);

        // Long-polls past the queue's 1 s timeout: without the extension the message would be delivered again.
        Assert.Empty(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(2), _ct));
        Assert.Equal((0, 1), await CountsAsync(_name));
    }

    [Fact]
    public async Task Dead_lettering_moves_the_message_with_its_reason_to_the_dead_letter_queue_at_once()
    {
        var queue = await SetUpQueueAsync();
        await queue.SendBatchAsync([new FileJob("gharchive", "2015-01-01-15.json.gz")], _ct);
        var message = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(5), _ct));

        await queue.DeadLetterAsync(message, "gzip trailer is corrupt after 6 attempts", _ct);

        Assert.Equal((0, 0), await CountsAsync(_name));
        var dlqUrl = (await _sqs.GetQueueUrlAsync(_name + "-dlq", _ct)).QueueUrl;
        var dead = Assert.Single((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = dlqUrl,
            WaitTimeSeconds = 5,
            MessageAttributeNames = ["All"],
        }, _ct)).Messages);
        Assert.Equal("2015-01-01-15.json.gz", dead.Body);
        Assert.Equal("gharchive", dead.MessageAttributes[SqsQueue.FeedAttribute].StringValue);
        Assert.Equal("gzip trailer is corrupt after 6 attempts", dead.MessageAttributes[SqsQueue.ReasonAttribute].StringValue);
        Assert.Equal(message.MessageId, dead.MessageAttributes[SqsQueue.OriginalMessageIdAttribute].StringValue);
    }

    [Fact]
    public async Task Without_a_dead_letter_queue_the_message_is_kept_hidden_not_deleted()
    {
        await _sqs.CreateQueueAsync(_name, _ct);
        var queue = new SqsQueue(_sqs, new SqsQueueLocation(_name, null));
        await queue.SendBatchAsync([new FileJob("gharchive", "2015-01-01-15.json.gz")], _ct);
        var message = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(5), _ct));

        await queue.DeadLetterAsync(message, "poison", _ct);

        Assert.Equal((0, 1), await CountsAsync(_name));
    }

    [Fact]
    public async Task A_job_sqs_refuses_fails_the_send_naming_the_file()
    {
        var queue = await SetUpQueueAsync();

        var error = await Assert.ThrowsAsync<QueueSendException>(() => queue.SendBatchAsync(
            [new FileJob("gharchive", "2015-01-01-1.json.gz"), new FileJob("gharchive", "bad\u0001name")], _ct));

        Assert.Contains("1 of 2", error.Message);
        Assert.Contains("bad\u0001name", error.Message);
    }

    [Fact]
    public async Task A_queue_given_by_the_url_sqs_returned_is_used_through_the_configured_endpoint()
    {
        await SetUpQueueAsync();
        var url = (await _sqs.GetQueueUrlAsync(_name, _ct)).QueueUrl;
        Assert.DoesNotContain("127.0.0.1", url);
        var queue = new SqsQueue(_sqs, AwsLocation.ParseSqs(url));

        await queue.SendBatchAsync([new FileJob("gharchive", "2015-01-01-15.json.gz")], _ct);

        Assert.Equal("2015-01-01-15.json.gz", Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(5), _ct)).Body);
    }

    [Fact]
    public async Task A_missing_queue_is_named()
    {
        var queue = new SqsQueue(_sqs, new SqsQueueLocation(_name, null));

        var error = await Assert.ThrowsAsync<QueueUnavailableException>(() => queue.ReceiveAsync(1, TimeSpan.Zero, _ct));

        Assert.Equal($"queue sqs://{_name} does not exist (create it with setup)", error.Message);
    }

    private async Task<SqsQueue> SetUpQueueAsync(SqsSetupOptions? options = null)
    {
        using var s3 = fauxqs.CreateS3Client();
        await new SqsSetup(s3, _sqs).EnsureAsync(null, new SqsQueueLocation(_name, null), options ?? SqsSetupOptions.Default, _ct);
        return new SqsQueue(_sqs, new SqsQueueLocation(_name, null), retryBaseDelay: TimeSpan.FromMilliseconds(10));
    }

    private async Task<List<QueuedFile>> ReceiveAtLeastAsync(SqsQueue queue, int count)
    {
        var received = new List<QueuedFile>();
        for (var attempt = 0; attempt < 20 && received.Count < count; attempt++)
            received.AddRange(await queue.ReceiveAsync(10, TimeSpan.FromSeconds(1), _ct));
        return received;
    }

    private async Task<(int Visible, int InFlight)> CountsAsync(string queueName)
    {
        var url = (await _sqs.GetQueueUrlAsync(queueName, _ct)).QueueUrl;
        var attributes = (await _sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
        {
            QueueUrl = url,
            AttributeNames = [QueueAttributeName.ApproximateNumberOfMessages, QueueAttributeName.ApproximateNumberOfMessagesNotVisible],
        }, _ct)).Attributes;
        return (int.Parse(attributes[QueueAttributeName.ApproximateNumberOfMessages]),
            int.Parse(attributes[QueueAttributeName.ApproximateNumberOfMessagesNotVisible]));
    }
}
