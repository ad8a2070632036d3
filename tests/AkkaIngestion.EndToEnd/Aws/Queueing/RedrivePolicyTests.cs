using AkkaIngestion.Queueing;
using Xunit;

namespace AkkaIngestion.EndToEnd.Aws.Queueing;

public sealed class RedrivePolicyTests
{
    [Theory]
    [InlineData("{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:q-dlq\",\"maxReceiveCount\":5}")]
    [InlineData("{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:q-dlq\",\"maxReceiveCount\":\"5\"}")]
    public void Parses_what_sqs_writes_and_round_trips(string json)
    {
        var policy = RedrivePolicy.Parse(json);

        Assert.Equal(new RedrivePolicy("arn:aws:sqs:us-east-1:000000000000:q-dlq", 5), policy);
        Assert.Equal(("q-dlq", "000000000000"), (policy!.TargetQueueName, policy.TargetAccountId));
        Assert.Equal(policy, RedrivePolicy.Parse(policy.ToJson()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{}")]
    public void No_policy_is_null(string? json) => Assert.Null(RedrivePolicy.Parse(json));
}
