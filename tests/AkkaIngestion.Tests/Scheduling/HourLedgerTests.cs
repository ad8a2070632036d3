using AkkaIngestion.Scheduling;

namespace AkkaIngestion.Tests.Scheduling;

public class HourLedgerTests
{
    private static readonly DateTime T0 = new(2024, 2, 29, 20, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime FarFuture = new(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_404_followed_by_a_later_hour_is_a_gap_and_does_not_block_the_frontier()
    {
        var ledger = new HourLedger(T0, lastInRange: T0.AddHours(3));
        var probes = ledger.TakeHoursToProbe(10, FarFuture);
        Assert.Equal([T0.AddHours(1), T0.AddHours(2), T0.AddHours(3)], probes);

        Assert.Empty(ledger.RecordProbe(T0.AddHours(1), found: true));
        Assert.Empty(ledger.RecordProbe(T0.AddHours(2), found: false));
        Assert.Equal([T0.AddHours(2)], ledger.RecordProbe(T0.AddHours(3), found: true));

        var sendable = ledger.TakeSendable(10);
        Assert.Equal([T0.AddHours(1), T0.AddHours(3)], sendable);
        ledger.MarkEnqueued(sendable);
        Assert.Equal(T0.AddHours(3), ledger.EnqueuedThrough);
        Assert.True(ledger.RangeEnqueued);
        Assert.Equal(T0, ledger.SettledThrough);

        Assert.True(ledger.MarkSettled(T0.AddHours(3)));
        Assert.Equal(T0, ledger.SettledThrough); // hour 1 is still outstanding: the frontier waits for it
        Assert.True(ledger.MarkSettled(T0.AddHours(1)));
        Assert.Equal(T0.AddHours(3), ledger.SettledThrough);
        Assert.True(ledger.RangeSettled);
    }

    [Fact]
    public void Trailing_404s_are_the_live_edge_not_gaps_and_are_probed_again()
    {
        var ledger = new HourLedger(T0, lastInRange: null);
        var latestPublished = T0.AddHours(2);
        Assert.Equal([T0.AddHours(1), T0.AddHours(2)], ledger.TakeHoursToProbe(10, latestPublished));
        ledger.RecordProbe(T0.AddHours(1), found: true);
        Assert.Empty(ledger.RecordProbe(T0.AddHours(2), found: false));
        Assert.Equal([T0.AddHours(2)], ledger.WaitingAtEdge);
        Assert.Empty(ledger.TakeHoursToProbe(10, latestPublished));

        ledger.ReprobeEdge();
        Assert.Equal([T0.AddHours(2), T0.AddHours(3)], ledger.TakeHoursToProbe(10, T0.AddHours(3)));
        ledger.RecordProbe(T0.AddHours(2), found: true);
        ledger.RecordProbe(T0.AddHours(3), found: true);
        Assert.Empty(ledger.WaitingAtEdge);
        Assert.Equal(3, ledger.TakeSendable(10).Count);
    }

    [Fact]
    public void A_404_at_the_end_of_a_range_is_decided_by_probing_past_the_range_without_enqueueing_there()
    {
        var last = T0.AddHours(2);
        var ledger = new HourLedger(T0, lastInRange: last);
        Assert.Equal([T0.AddHours(1), T0.AddHours(2)], ledger.TakeHoursToProbe(10, FarFuture));
        ledger.RecordProbe(T0.AddHours(1), found: true);
        ledger.RecordProbe(T0.AddHours(2), found: false);

        var witness = ledger.TakeHoursToProbe(1, FarFuture);
        Assert.Equal([T0.AddHours(3)], witness);
        Assert.Equal([T0.AddHours(2)], ledger.RecordProbe(T0.AddHours(3), found: true));
        Assert.Empty(ledger.TakeHoursToProbe(10, FarFuture)); // witness found: no more probing past the range
        Assert.Equal([T0.AddHours(1)], ledger.TakeSendable(10));
    }

    [Fact]
    public void A_failed_probe_is_asked_again_and_never_taken_for_missing()
    {
        var ledger = new HourLedger(T0, lastInRange: T0.AddHours(2));
        ledger.TakeHoursToProbe(10, FarFuture);
        ledger.RecordProbeFailed(T0.AddHours(1));
        Assert.Empty(ledger.RecordProbe(T0.AddHours(2), found: true));
        Assert.Equal(0, ledger.Probing);
        Assert.Equal([T0.AddHours(1)], ledger.TakeHoursToProbe(10, FarFuture));
        ledger.RecordProbe(T0.AddHours(1), found: true);
        Assert.Equal([T0.AddHours(1), T0.AddHours(2)], ledger.TakeSendable(10));
    }

    [Fact]
    public void A_failed_send_makes_the_hours_sendable_again_and_holds_the_frontier()
    {
        var ledger = new HourLedger(T0, lastInRange: T0.AddHours(1));
        ledger.TakeHoursToProbe(10, FarFuture);
        ledger.RecordProbe(T0.AddHours(1), found: true);
        var batch = ledger.TakeSendable(10);
        ledger.MarkSendFailed(batch);
        Assert.Equal(T0, ledger.EnqueuedThrough);
        Assert.Equal(batch, ledger.TakeSendable(10));
    }

    [Fact]
    public void Probing_respects_the_limit_and_the_latest_published_hour()
    {
        var ledger = new HourLedger(T0, lastInRange: null);
        Assert.Equal(3, ledger.TakeHoursToProbe(3, FarFuture).Count);
        Assert.Equal(3, ledger.Probing);
        var capped = new HourLedger(T0, lastInRange: null);
        Assert.Equal([T0.AddHours(1)], capped.TakeHoursToProbe(10, T0.AddHours(1)));
    }
}
