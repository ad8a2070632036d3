using AkkaIngestion.Aws;
using AkkaIngestion.Storage;
using Xunit;

namespace AkkaIngestion.EndToEnd.Aws;

public sealed class AwsLocationTests
{
    [Theory]
    [InlineData("s3://bucket", "bucket", "")]
    [InlineData("s3://my.bucket-1/archive/", "my.bucket-1", "archive")]
    [InlineData("S3://bucket/a/b", "bucket", "a/b")]
    public void S3_locations_parse_into_bucket_and_prefix(string text, string bucket, string prefix)
    {
        Assert.Equal(new S3StoreLocation(bucket, prefix), AwsLocation.ParseS3(text));
    }

    [Theory]
    [InlineData("bucket/prefix", "not an S3 location")]
    [InlineData("s3://", "not a valid bucket name")]
    [InlineData("s3://Upper", "not a valid bucket name")]
    [InlineData("s3://a..b", "not a valid bucket name")]
    [InlineData("s3://bucket/a//b", "empty, '.' or '..' folder")]
    [InlineData("s3://bucket/a/../b", "empty, '.' or '..' folder")]
    public void Bad_s3_locations_say_what_is_wrong(string text, string expected)
    {
        Assert.Contains(expected, Assert.Throws<ArgumentException>(() => AwsLocation.ParseS3(text)).Message);
    }

    [Fact]
    public void Keys_are_relative_to_the_prefix()
    {
        Assert.Equal("raw/x", new S3StoreLocation("b", "").ObjectKey("raw/x"));
        Assert.Equal("p/q/raw/x", new S3StoreLocation("b", "p/q").ObjectKey("raw/x"));
        Assert.Equal("s3://b/p/q", new S3StoreLocation("b", "p/q").ToString());
    }

    [Theory]
    [InlineData("sqs://ingest", "ingest", null)]
    [InlineData("sqs://ingest_2/", "ingest_2", null)]
    [InlineData("https://sqs.eu-west-1.amazonaws.com/123456789012/ingest", "ingest", "https://sqs.eu-west-1.amazonaws.com/123456789012/ingest")]
    public void Sqs_locations_parse_from_names_and_urls(string text, string name, string? url)
    {
        Assert.Equal(new SqsQueueLocation(name, url), AwsLocation.ParseSqs(text));
        Assert.True(AwsLocation.IsSqs(text));
    }

    [Theory]
    [InlineData("memory", "not an SQS location")]
    [InlineData("sqs://", "not a valid queue name")]
    [InlineData("sqs://has space", "not a valid queue name")]
    [InlineData("sqs://jobs.fifo", "FIFO queues are not supported")]
    [InlineData("https://sqs.eu-west-1.amazonaws.com/ingest", "not a queue URL")]
    public void Bad_sqs_locations_say_what_is_wrong(string text, string expected)
    {
        Assert.Contains(expected, Assert.Throws<ArgumentException>(() => AwsLocation.ParseSqs(text)).Message);
    }

    [Fact]
    public void Part_size_grows_only_when_the_default_would_need_more_than_ten_thousand_parts()
    {
        const int mib = 1024 * 1024;
        Assert.Equal(8 * mib, S3Limits.ChoosePartSize(null, 8 * mib));
        Assert.Equal(8 * mib, S3Limits.ChoosePartSize(10_000L * 8 * mib, 8 * mib));
        Assert.Equal(9 * mib, S3Limits.ChoosePartSize(10_000L * 8 * mib + 1, 8 * mib));
        Assert.Equal(100 * mib, S3Limits.ChoosePartSize(10_000L * 100 * mib, 8 * mib));
        Assert.Throws<ArgumentOutOfRangeException>(() => S3Limits.ChoosePartSize(10_000L * 2048 * mib, 8 * mib));
    }
}
