using AkkaIngestion.Hosting;
using AkkaIngestion.Queueing;
using Xunit;

namespace AkkaIngestion.Tests.Queueing;

public sealed class QueueBridgeSettingsTests
{
    [Fact]
    public void Takes_its_values_from_the_node_options()
    {
        var options = new IngestionOptions
        {
            Workers = 4, Prefetch = 3, VisibilityTimeout = TimeSpan.FromSeconds(90), ReceiveWait = TimeSpan.FromSeconds(10), MaxReceiveCount = 7,
        };

        var settings = QueueBridgeSettings.From(options);

        Assert.Equal(new QueueBridgeSettings(4, 3, TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(10), 7), settings);
        Assert.Equal(7, settings.Capacity);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.HeartbeatInterval);
        settings.Validate();
    }

    [Theory]
    [InlineData(0, 2, 300, 20, 5, "workers")]
    [InlineData(8, -1, 300, 20, 5, "prefetch")]
    [InlineData(8, 2, 0, 20, 5, "visibility")]
    [InlineData(8, 2, 300, 0, 5, "receive wait")]
    [InlineData(8, 2, 300, 20, 0, "receive count")]
    public void Names_the_setting_that_is_out_of_range(int workers, int prefetch, int visibilitySeconds, int waitSeconds, int maxReceives, string named)
    {
        var settings = new QueueBridgeSettings(
            workers, prefetch, TimeSpan.FromSeconds(visibilitySeconds), TimeSpan.FromSeconds(waitSeconds), maxReceives);

        Assert.Contains(named, Assert.Throws<ArgumentException>(settings.Validate).Message);
    }
}
