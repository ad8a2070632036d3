using Akka.Actor;
using AkkaIngestion.Feeds;
using AkkaIngestion.Queueing;
using AkkaIngestion.Scheduling;
using AkkaIngestion.Tests.Fakes;

namespace AkkaIngestion.Tests.Scheduling;

public class FeedSchedulerTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly FeedDefinition Feed = FeedDefinition.GhArchive(new Uri("http://127.0.0.1:1/"), TimeSpan.FromMilliseconds(200));
    private static DateTime Utc(int y, int m, int d, int h) => new(y, m, d, h, 0, 0, DateTimeKind.Utc);

    private static FeedSchedulerSettings Settings(DateTime? from, DateTime? to, int parallelism = 16) =>
        new(parallelism, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(1), from, to);

    private IActorRef Start(HourSetSource source, MemoryObjectStore store, RecordingQueue queue, FeedSchedulerSettings settings,
        TimeProvider? clock = null) =>
        Sys.ActorOf(FeedScheduler.Props(Feed, source, store, queue, settings, clock));

    /// <summary>Subscribe before starting the scheduler, so the event cannot pass unseen.</summary>
    private Akka.TestKit.TestProbe CompletionWatch()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe, typeof(FeedScheduler.FeedRangeCompleted));
        return probe;
    }

    /// <summary>A durable queue whose files a pretend worker settles as soon as they are sent.</summary>
    private RecordingQueue Durable(int failNextSends = 0) =>
        new(durable: true, job => Sys.EventStream.Publish(new FileSettled(job.FeedId, job.FileName, FileSettlement.Stored, 1)))
        {
            FailNextSends = failNextSends,
        };

    private async Task<BookmarkDocument> Bookmark(MemoryObjectStore store) =>
        (await new FeedBookmarks(store, Feed).LoadAsync(default)).Document;

    [Fact]
    public async Task Enqueues_every_hour_across_month_leap_day_and_year_ends_in_order_and_moves_the_bookmark()
    {
        var ranges = new[]
        {
            (Utc(2023, 3, 31, 22), Utc(2023, 4, 1, 1)),
            (Utc(2024, 2, 28, 23), Utc(2024, 3, 1, 0)),
            (Utc(2015, 12, 31, 22), Utc(2016, 1, 1, 1)),
        };
        foreach (var (from, to) in ranges)
        {
            var hours = ArchiveHour.Range(from, to.AddHours(1)).ToList();
            var source = new HourSetSource(hours);
            var store = new MemoryObjectStore();
            var queue = Durable();
            var completed = CompletionWatch();
            Start(source, store, queue, Settings(from, to));
            completed.ExpectMsg<FeedScheduler.FeedRangeCompleted>(TimeSpan.FromSeconds(10));

            var expected = ArchiveHour.Range(from, to).Select(Feed.Naming.NameOf).ToList();
            Assert.Equal(expected, queue.Sent.Select(j => j.FileName).OrderBy(n => Feed.Naming.TryParse(n, out var h) ? h : default));
            Assert.Equal(expected.Count, queue.Sent.Select(j => j.FileName).Distinct().Count());
            Assert.All(queue.Sent, j => Assert.Equal(Feed.Id, j.FeedId));
            Assert.Equal(to, (await Bookmark(store)).SettledThrough);
        }
    }

    [Fact]
    public async Task A_missing_hour_with_later_hours_is_a_gap_that_never_blocks_them_and_is_ingested_once_it_appears()
    {
        var from = Utc(2024, 1, 1, 0);
        var to = Utc(2024, 1, 1, 5);
        var missing = Utc(2024, 1, 1, 2);
        var source = new HourSetSource(ArchiveHour.Range(from, to).Where(h => h != missing));
        var store = new MemoryObjectStore();
        var queue = Durable();
        var gaps = CreateTestProbe();
        Sys.EventStream.Subscribe(gaps, typeof(FeedScheduler.GapRecorded));
        await store.WriteTextAsync(Feed.BookmarkKey, Feed.Naming.NameOf(from.AddHours(-1)), default);
        var clock = new ManualClock(new DateTimeOffset(to.AddHours(2)));
        var scheduler = Start(source, store, queue, Settings(null, null), clock);

        Assert.Equal("2024-01-01-2.json.gz", gaps.ExpectMsg<FeedScheduler.GapRecorded>(TimeSpan.FromSeconds(10)).FileName);
        await AwaitAssertAsync(async () =>
        {
            var doc = await Bookmark(store);
            Assert.Equal(to, doc.SettledThrough);
            Assert.Equal([missing], doc.Gaps.Select(g => g.Hour));
        }, TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(queue.Sent, j => j.FileName == "2024-01-01-2.json.gz");
        Assert.Contains(queue.Sent, j => j.FileName == "2024-01-01-5.json.gz");

        source.Publish(missing);
        clock.Set(clock.GetUtcNow().AddMinutes(1)); // past the gap's backoff
        await AwaitAssertAsync(async () =>
        {
            Assert.Contains(queue.Sent, j => j.FileName == "2024-01-01-2.json.gz");
            Assert.Empty((await Bookmark(store)).Gaps);
        }, TimeSpan.FromSeconds(10));
        var status = await scheduler.Ask<FeedScheduler.FeedStatus>(FeedScheduler.GetFeedStatus.Instance, TimeSpan.FromSeconds(3));
        Assert.Equal(1, status.GapsFilled);
        Assert.True(source.Probes["2024-01-01-2.json.gz"] >= 2);
    }

    [Fact]
    public async Task The_live_edge_is_polled_not_recorded_as_a_gap()
    {
        var start = Utc(2024, 1, 1, 0);
        var source = new HourSetSource(ArchiveHour.Range(start, Utc(2024, 1, 1, 3)));
        var store = new MemoryObjectStore();
        var queue = Durable();
        await store.WriteTextAsync(Feed.BookmarkKey, Feed.Naming.NameOf(start), default);
        var clock = new ManualClock(new DateTimeOffset(Utc(2024, 1, 1, 5)).AddMinutes(30)); // hours through 04 are due
        var scheduler = Start(source, store, queue, Settings(null, null), clock);

        await AwaitAssertAsync(async () => Assert.Equal(Utc(2024, 1, 1, 3), (await Bookmark(store)).SettledThrough), TimeSpan.FromSeconds(10));
        var status = await scheduler.Ask<FeedScheduler.FeedStatus>(FeedScheduler.GetFeedStatus.Instance, TimeSpan.FromSeconds(3));
        Assert.Equal(["2024-01-01-4.json.gz"], status.WaitingAtEdge);
        Assert.Empty(status.Gaps);

        source.Publish(Utc(2024, 1, 1, 4));
        await AwaitAssertAsync(async () => Assert.Equal(Utc(2024, 1, 1, 4), (await Bookmark(store)).SettledThrough), TimeSpan.FromSeconds(10));
        Assert.Empty((await Bookmark(store)).Gaps);

        // The next hour becomes due only when the clock passes it.
        source.Publish(Utc(2024, 1, 1, 5));
        clock.Set(new DateTimeOffset(Utc(2024, 1, 1, 6)).AddMinutes(10));
        await AwaitAssertAsync(async () => Assert.Equal(Utc(2024, 1, 1, 5), (await Bookmark(store)).SettledThrough), TimeSpan.FromSeconds(10));
        Assert.Equal(5, queue.Sent.Count);
    }

    [Fact]
    public async Task Starts_after_a_legacy_bookmark_and_rewrites_it_in_the_versioned_format()
    {
        var source = new HourSetSource(ArchiveHour.Range(Utc(2023, 3, 13, 0), Utc(2023, 3, 13, 6)));
        var store = new MemoryObjectStore();
        var queue = Durable();
        await store.WriteTextAsync(Feed.BookmarkKey, "2023-03-13-1.json.gz", default);
        var completed = CompletionWatch();
        Start(source, store, queue, Settings(null, Utc(2023, 3, 13, 4)));
        completed.ExpectMsg<FeedScheduler.FeedRangeCompleted>(TimeSpan.FromSeconds(10));

        Assert.Equal(["2023-03-13-2.json.gz", "2023-03-13-3.json.gz", "2023-03-13-4.json.gz"], queue.Sent.Select(j => j.FileName).Order());
        Assert.False(source.Probes.ContainsKey("2023-03-13-1.json.gz"));
        Assert.Contains("\"version\": 1", store.Text(Feed.BookmarkKey));
        Assert.Equal(Utc(2023, 3, 13, 4), (await Bookmark(store)).SettledThrough);
    }

    [Fact]
    public async Task A_backfill_before_the_bookmark_never_moves_it_back()
    {
        var source = new HourSetSource(ArchiveHour.Range(Utc(2020, 1, 1, 0), Utc(2020, 1, 2, 0)));
        var store = new MemoryObjectStore();
        var queue = Durable();
        await store.WriteTextAsync(Feed.BookmarkKey, "2020-01-01-10.json.gz", default);
        var completed = CompletionWatch();
        Start(source, store, queue, Settings(Utc(2020, 1, 1, 0), Utc(2020, 1, 1, 3)));
        completed.ExpectMsg<FeedScheduler.FeedRangeCompleted>(TimeSpan.FromSeconds(10));

        Assert.Equal(4, queue.Sent.Count);
        Assert.Equal(Utc(2020, 1, 1, 10), (await Bookmark(store)).SettledThrough);
    }

    [Fact]
    public async Task With_an_in_process_queue_the_bookmark_only_passes_files_that_are_settled()
    {
        var from = Utc(2022, 6, 1, 0);
        var source = new HourSetSource(ArchiveHour.Range(from, from.AddHours(5)));
        var store = new MemoryObjectStore();
        var queue = new RecordingQueue(durable: false);
        var completed = CompletionWatch();
        Start(source, store, queue, Settings(from, from.AddHours(4)));
        await AwaitAssertAsync(() => Assert.Equal(5, queue.Sent.Count), TimeSpan.FromSeconds(10));

        Sys.EventStream.Publish(new FileSettled(Feed.Id, "2022-06-01-0.json.gz", FileSettlement.Stored, 1));
        Sys.EventStream.Publish(new FileSettled(Feed.Id, "2022-06-01-2.json.gz", FileSettlement.AlreadyStored, 1));
        await AwaitAssertAsync(async () => Assert.Equal(from, (await Bookmark(store)).SettledThrough), TimeSpan.FromSeconds(10));

        Sys.EventStream.Publish(new FileSettled(Feed.Id, "2022-06-01-1.json.gz", FileSettlement.DeadLettered, 0));
        await AwaitAssertAsync(async () => Assert.Equal(from.AddHours(2), (await Bookmark(store)).SettledThrough), TimeSpan.FromSeconds(10));
        completed.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        Sys.EventStream.Publish(new FileSettled(Feed.Id, "2022-06-01-4.json.gz", FileSettlement.Stored, 1));
        Sys.EventStream.Publish(new FileSettled(Feed.Id, "2022-06-01-3.json.gz", FileSettlement.Stored, 1));
        completed.ExpectMsg<FeedScheduler.FeedRangeCompleted>(TimeSpan.FromSeconds(10));
        Assert.Equal(from.AddHours(4), (await Bookmark(store)).SettledThrough);
    }

    [Fact]
    public void Never_has_more_probes_in_flight_than_its_parallelism()
    {
        var from = Utc(2021, 1, 1, 0);
        var source = new HourSetSource(ArchiveHour.Range(from, from.AddHours(300)));
        var queue = Durable();
        var completed = CompletionWatch();
        Start(source, new MemoryObjectStore(), queue, Settings(from, from.AddHours(299), parallelism: 4));
        completed.ExpectMsg<FeedScheduler.FeedRangeCompleted>(TimeSpan.FromSeconds(10));
        Assert.Equal(300, queue.Sent.Count);
        Assert.InRange(source.PeakProbesInFlight, 2, 4);
        Assert.All(queue.BatchSizes, size => Assert.InRange(size, 1, 10));
    }

    [Fact]
    public async Task Failed_probes_and_failed_sends_are_retried_never_taken_for_gaps_or_moved_past()
    {
        var from = Utc(2021, 5, 1, 0);
        var source = new HourSetSource(ArchiveHour.Range(from, from.AddHours(3)));
        source.FailNextProbes["2021-05-01-1.json.gz"] = 5; // more than the in-probe retries: the scheduler must come back to it
        var store = new MemoryObjectStore();
        var queue = Durable(failNextSends: 2);
        var gaps = CreateTestProbe();
        Sys.EventStream.Subscribe(gaps, typeof(FeedScheduler.GapRecorded));
        var completed = CompletionWatch();
        Start(source, store, queue, Settings(from, from.AddHours(3)));
        completed.ExpectMsg<FeedScheduler.FeedRangeCompleted>(TimeSpan.FromSeconds(10));

        gaps.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(4, queue.Sent.Select(j => j.FileName).Distinct().Count());
        Assert.Equal(from.AddHours(3), (await Bookmark(store)).SettledThrough);
        Assert.Empty((await Bookmark(store)).Gaps);
    }

    [Fact]
    public async Task A_paused_feed_probes_and_enqueues_nothing_until_resumed()
    {
        var from = Utc(2021, 9, 1, 0);
        var source = new HourSetSource(ArchiveHour.Range(from, from.AddHours(5)));
        var queue = Durable();
        var completed = CompletionWatch();
        var scheduler = Start(source, new MemoryObjectStore(), queue, Settings(from, from.AddHours(4)));
        scheduler.Tell(FeedScheduler.PauseFeed.Instance); // stashed until the bookmark is loaded, then obeyed before any probe
        Assert.True(ExpectMsg<FeedScheduler.FeedPaused>().Paused);

        completed.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Empty(queue.Sent);
        Assert.Empty(source.Probes);
        var status = await scheduler.Ask<FeedScheduler.FeedStatus>(FeedScheduler.GetFeedStatus.Instance, TimeSpan.FromSeconds(3));
        Assert.True(status.Paused);

        scheduler.Tell(FeedScheduler.ResumeFeed.Instance);
        Assert.False(ExpectMsg<FeedScheduler.FeedPaused>().Paused);
        completed.ExpectMsg<FeedScheduler.FeedRangeCompleted>(TimeSpan.FromSeconds(10));
        Assert.Equal(5, queue.Sent.Count);
    }

    [Fact]
    public void A_backfill_enqueues_the_found_hours_of_its_range_and_stops()
    {
        var from = Utc(2019, 2, 28, 22);
        var missing = Utc(2019, 3, 1, 0);
        var source = new HourSetSource(ArchiveHour.Range(from, from.AddHours(4)).Where(h => h != missing));
        var queue = new RecordingQueue(durable: true);
        var backfill = Sys.ActorOf(Backfill.Props(Feed, from, from.AddHours(4), source, queue, parallelism: 2));
        Watch(backfill);
        ExpectTerminated(backfill, TimeSpan.FromSeconds(10));

        Assert.Equal(["2019-02-28-22.json.gz", "2019-02-28-23.json.gz", "2019-03-01-1.json.gz", "2019-03-01-2.json.gz"],
            queue.Sent.Select(j => j.FileName));
    }
}
