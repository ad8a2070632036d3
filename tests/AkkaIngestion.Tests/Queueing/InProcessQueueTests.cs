using Xunit;
using AkkaIngestion.Queueing;
using Microsoft.Extensions.Time.Testing;

namespace AkkaIngestion.Tests.Queueing;

public sealed class InProcessQueueTests
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2024, 2, 29, 23, 0, 0, TimeSpan.Zero));
    private readonly InProcessQueue _queue;

    public InProcessQueueTests() => _queue = new InProcessQueue(Visibility, _time);

    [Fact]
    public void Describes_itself_as_the_non_durable_memory_queue()
    {
        Assert.Equal("memory", _queue.Location);
        Assert.False(_queue.IsDurable);
    }

    [Fact]
    public async Task Fresh_messages_come_in_send_order_with_ids_feed_and_a_first_receive_count()
    {
        await Send("a", "b", "c");

        var first = await _queue.ReceiveAsync(2, TimeSpan.Zero, default);
        var second = await _queue.ReceiveAsync(10, TimeSpan.Zero, default);

        Assert.Equal(["a", "b"], first.Select(m => m.Body));
        Assert.Equal(["c"], second.Select(m => m.Body));
        var all = first.Concat(second).ToList();
        Assert.All(all, m => Assert.Equal("gharchive", m.FeedId));
        Assert.All(all, m => Assert.Equal(1, m.ReceiveCount));
        Assert.Equal(3, all.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(new InProcessQueueCounts(0, 3, 0), _queue.Counts);
    }

    [Fact]
    public async Task A_message_without_feed_attribute_has_no_feed_id()
    {
        await _queue.SendBatchAsync([new FileJob(null!, "a")], default);

        var message = Assert.Single(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));

        Assert.Null(message.FeedId);
    }

    [Fact]
    public async Task An_unacknowledged_message_reappears_after_the_visibility_timeout_with_a_new_receipt()
    {
        await Send("a");
        var first = Assert.Single(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));

        _time.Advance(Visibility - TimeSpan.FromSeconds(1));
        Assert.Empty(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));
        _time.Advance(TimeSpan.FromSeconds(1));
        var again = Assert.Single(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));

        Assert.Equal(first.MessageId, again.MessageId);
        Assert.NotEqual(first.ReceiptHandle, again.ReceiptHandle);
        Assert.Equal(2, again.ReceiveCount);
    }

    [Fact]
    public async Task An_acknowledged_message_is_gone_for_good()
    {
        await Send("a");
        var message = Assert.Single(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));

        await _queue.AckAsync(message, default);
        _time.Advance(Visibility * 2);

        Assert.Empty(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));
        Assert.Equal(new InProcessQueueCounts(0, 0, 0), _queue.Counts);
    }

    [Fact]
    public async Task A_released_message_is_receivable_at_once()
    {
        await Send("a");
        var message = Assert.Single(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));

        await _queue.ReleaseAsync(message, default);
        var again = Assert.Single(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));

        Assert.Equal(message.MessageId, again.MessageId);
        Assert.Equal(2, again.ReceiveCount);
    }

    [Fact]
    public async Task An_extended_message_stays_invisible_past_its_first_timeout()
    {
        await Send("a");
        var message = Assert.Single(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));

        _time.Advance(Visibility - TimeSpan.FromSeconds(1));
        await _queue.ExtendVisibilityAsync(message, Visibility, default);
        _time.Advance(Visibility - TimeSpan.FromSeconds(1));
        Assert.Empty(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));
        Assert.Equal(new InProcessQueueCounts(0, 1, 0), _queue.Counts);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));
    }

    [Fact]
    public async Task A_stale_receipt_cannot_move_the_current_delivery_but_still_acknowledges()
    {
        await Send("a");
        var stale = Assert.Single(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));
        _time.Advance(Visibility);
        var current = Assert.Single(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));

        await _queue.ReleaseAsync(stale, default);
        Assert.Equal(new InProcessQueueCounts(0, 1, 0), _queue.Counts);
        await _queue.ExtendVisibilityAsync(stale, TimeSpan.FromHours(1), default);
        _time.Advance(Visibility);
        Assert.Equal(new InProcessQueueCounts(1, 0, 0), _queue.Counts);

        var third = Assert.Single(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));
        await _queue.AckAsync(current, default);
        Assert.Equal(3, third.ReceiveCount);
        Assert.Equal(new InProcessQueueCounts(0, 0, 0), _queue.Counts);
        await _queue.AckAsync(third, default); // already gone: like a repeated SQS delete, not an error
    }

    [Fact]
    public async Task A_long_poll_returns_as_soon_as_a_message_is_sent()
    {
        var receive = _queue.ReceiveAsync(10, TimeSpan.FromMinutes(1), default);
        await AssertStillWaiting(receive);

        await Send("a");

        Assert.Equal("a", Assert.Single(await receive.WaitAsync(Patience)).Body);
    }

    [Fact]
    public async Task A_long_poll_returns_when_an_in_flight_message_becomes_visible_again()
    {
        await Send("a");
        Assert.Single(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));
        var receive = _queue.ReceiveAsync(10, TimeSpan.FromMinutes(1), default);

        _time.Advance(Visibility - TimeSpan.FromSeconds(1));
        await AssertStillWaiting(receive);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(2, Assert.Single(await receive.WaitAsync(Patience)).ReceiveCount);
    }

    [Fact]
    public async Task A_long_poll_returns_when_a_message_is_released()
    {
        await Send("a");
        var message = Assert.Single(await _queue.ReceiveAsync(1, TimeSpan.Zero, default));
        var receive = _queue.ReceiveAsync(10, TimeSpan.FromMinutes(1), default);
        await AssertStillWaiting(receive);

        await _queue.ReleaseAsync(message, default);

        Assert.Single(await receive.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_long_poll_on_an_empty_queue_returns_nothing_once_the_wait_is_over()
    {
        var receive = _queue.ReceiveAsync(10, TimeSpan.FromSeconds(20), default);

        _time.Advance(TimeSpan.FromSeconds(19));
        await AssertStillWaiting(receive);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(await receive.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_long_poll_ends_when_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        var receive = _queue.ReceiveAsync(10, TimeSpan.FromMinutes(1), cancel.Token);
        await AssertStillWaiting(receive);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.WaitAsync(Patience));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public async Task A_receive_asks_for_one_to_ten_messages_as_sqs_does(int maxMessages)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _queue.ReceiveAsync(maxMessages, TimeSpan.Zero, default));
    }

    [Fact]
    public async Task Dead_letters_keep_reason_time_and_receive_count_and_can_be_redriven()
    {
        await Send("a", "b");
        Assert.Equal(2, (await _queue.ReceiveAsync(2, TimeSpan.Zero, default)).Count);
        _time.Advance(Visibility);
        var a = (await _queue.ReceiveAsync(2, TimeSpan.Zero, default)).Single(m => m.Body == "a");

        await _queue.DeadLetterAsync(a, "HTTP 404 for a week", default);

        var dead = Assert.Single(_queue.DeadLetters);
        Assert.Equal(new DeadLetter(a.MessageId, "a", "gharchive", "HTTP 404 for a week", _time.GetUtcNow(), 2), dead);
        Assert.Equal(new InProcessQueueCounts(0, 1, 1), _queue.Counts);

        Assert.Equal(1, _queue.RedriveAll());

        Assert.Empty(_queue.DeadLetters);
        var redriven = Assert.Single(await _queue.ReceiveAsync(10, TimeSpan.Zero, default));
        Assert.Equal((a.MessageId, "a", 1), (redriven.MessageId, redriven.Body, redriven.ReceiveCount));
    }

    [Fact]
    public async Task Concurrent_receivers_never_get_the_same_delivery()
    {
        var bodies = Enumerable.Range(0, 500).Select(i => i.ToString()).ToArray();
        await Send(bodies);

        var receivers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var got = new List<QueuedFile>();
            while (await _queue.ReceiveAsync(3, TimeSpan.Zero, default) is { Count: > 0 } batch) got.AddRange(batch);
            return got;
        }));
        var all = (await Task.WhenAll(receivers).WaitAsync(Patience)).SelectMany(batch => batch).ToList();

        Assert.Equal(bodies.Order(), all.Select(m => m.Body).Order());
        Assert.Equal(new InProcessQueueCounts(0, 500, 0), _queue.Counts);
    }

    private Task Send(params string[] bodies) =>
        _queue.SendBatchAsync(bodies.Select(body => new FileJob("gharchive", body)).ToList(), default);

    /// <summary>A wrong wake-up would complete the task; give it a moment of real time to show one.</summary>
    private static async Task AssertStillWaiting(Task receive)
    {
        await Task.WhenAny(receive, Task.Delay(TimeSpan.FromMilliseconds(100)));
        Assert.False(receive.IsCompleted, "the long poll returned before anything became available");
    }
}
