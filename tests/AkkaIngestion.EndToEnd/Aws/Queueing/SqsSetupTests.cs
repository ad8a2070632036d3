using AkkaIngestion.Aws;
using AkkaIngestion.Queueing;
using AkkaIngestion.EndToEnd.Aws.Fauxqs;
using Amazon.S3;
using Amazon.SQS;
using Amazon.SQS.Model;
using Xunit;

namespace AkkaIngestion.EndToEnd.Aws.Queueing;

[Collection(FauxqsCollection.Name)]
public sealed class SqsSetupTests(FauxqsServer fauxqs) : IDisposable
{
    private readonly IAmazonS3 _s3 = fauxqs.CreateS3Client();
    private readonly IAmazonSQS _sqs = fauxqs.CreateSqsClient();
    private readonly string _name = "setup-" + Guid.NewGuid().ToString("N")[..16];
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    public void Dispose()
    {
        _s3.Dispose();
        _sqs.Dispose();
    }

    [Fact]
    public async Task Setup_creates_bucket_queue_and_dead_letter_queue_once_then_reports_no_change()
    {
        var setup = new SqsSetup(_s3, _sqs);
        var store = new S3StoreLocation(_name, "archive");
        var queue = new SqsQueueLocation(_name, null);

        var first = await setup.EnsureAsync(store, queue, SqsSetupOptions.Default, _ct);
        var second = await setup.EnsureAsync(store, queue, SqsSetupOptions.Default, _ct);

        Assert.Equal(4, first.Created.Count);
        Assert.Empty(first.Notes);
        Assert.False(second.Changed);
        Assert.Equal("already set up", second.ToString());
        await _s3.GetBucketLocationAsync(_name, _ct);
        var attributes = (await _sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
        {
            QueueUrl = (await _sqs.GetQueueUrlAsync(_name, _ct)).QueueUrl,
            AttributeNames = [QueueAttributeName.All],
        }, _ct)).Attributes;
        Assert.Equal("300", attributes[QueueAttributeName.VisibilityTimeout]);
        var redrive = RedrivePolicy.Parse(attributes[QueueAttributeName.RedrivePolicy]);
        Assert.Equal((_name + "-dlq", 5), (redrive?.TargetQueueName, redrive?.MaxReceiveCount));
    }

    [Fact]
    public async Task Setup_adds_a_rule_that_aborts_unfinished_uploads_under_its_prefix_and_keeps_the_bucket_s_other_rules()
    {
        await _s3.PutBucketAsync(_name, _ct);
        var theirs = new Amazon.S3.Model.LifecycleRule
        {
            Id = "their-rule",
            Status = Amazon.S3.LifecycleRuleStatus.Enabled,
            Filter = new Amazon.S3.Model.LifecycleFilter { LifecycleFilterPredicate = new Amazon.S3.Model.LifecyclePrefixPredicate { Prefix = "tmp/" } },
            Expiration = new Amazon.S3.Model.LifecycleRuleExpiration { Days = 7 },
        };
        await _s3.PutLifecycleConfigurationAsync(new Amazon.S3.Model.PutLifecycleConfigurationRequest
        {
            BucketName = _name, Configuration = new Amazon.S3.Model.LifecycleConfiguration { Rules = [theirs] },
        }, _ct);
        var setup = new SqsSetup(_s3, _sqs);

        var first = await setup.EnsureAsync(new S3StoreLocation(_name, "archive"), new SqsQueueLocation(_name, null), SqsSetupOptions.Default, _ct);
        var again = await setup.EnsureAsync(new S3StoreLocation(_name, "archive"), new SqsQueueLocation(_name, null), SqsSetupOptions.Default, _ct);

        Assert.Contains(first.Created, created => created.StartsWith("lifecycle rule"));
        Assert.False(again.Changed);
        var rules = (await _s3.GetLifecycleConfigurationAsync(_name, _ct)).Configuration.Rules.OrderBy(rule => rule.Id).ToList();
        Assert.Equal(["akka-ingest-abort-incomplete-uploads:archive/", "their-rule"], rules.Select(rule => rule.Id));
        Assert.Equal(1, rules[0].AbortIncompleteMultipartUpload.DaysAfterInitiation);
        Assert.Equal("archive/", ((Amazon.S3.Model.LifecyclePrefixPredicate)rules[0].Filter.LifecycleFilterPredicate).Prefix);
        Assert.Equal(7, rules[1].Expiration.Days);
    }

    [Fact]
    public async Task An_existing_queue_with_other_settings_is_rejected_in_one_line()
    {
        await _sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = _name,
            Attributes = new() { [QueueAttributeName.VisibilityTimeout] = "30" },
        }, _ct);

        var error = await Assert.ThrowsAsync<SetupConflictException>(() =>
            new SqsSetup(_s3, _sqs).EnsureAsync(null, new SqsQueueLocation(_name, null), SqsSetupOptions.Default, _ct));

        Assert.Contains("VisibilityTimeout is 30 s (setup wants 300 s)", error.Message);
        Assert.Contains("no RedrivePolicy", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
