using Xunit;
using Akka.Actor;
using Akka.TestKit;
using AkkaIngestion.Downloading;
using AkkaIngestion.Feeds;
using AkkaIngestion.Queueing;
using AkkaIngestion.Tests.Fakes;

namespace AkkaIngestion.Tests.Queueing;

public sealed class QueueBridgeTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly FeedDefinition Feed = FeedDefinition.GhArchive();
    private static readonly TimeSpan LongVisibility = TimeSpan.FromSeconds(30);

    private readonly TestProbe _router;
    private readonly TestProbe _settled;
    private readonly MemoryObjectStore _store = new();
    private readonly DownloadCancellation _cancellation = new();
    private InProcessQueue _queue = new(LongVisibility);
    private RecordingQueue _recording;

    public QueueBridgeTests()
    {
        _recording = new RecordingQueue(_queue);
        _router = CreateTestProbe("router");
        _settled = CreateTestProbe("settled");
        Sys.EventStream.Subscribe(_settled.Ref, typeof(FileSettled));
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        _cancellation.Dispose();
    }

    [Fact]
    public async Task Workers_never_hold_more_than_one_file_each_and_the_bridge_never_more_than_workers_plus_prefetch()
    {
        const int files = 50;
        var names = FileNames(files);
        await Send(names);
        var bridge = StartBridge(Settings(workers: 3, prefetch: 1));
        var withWorkers = new List<DownloadFile>();
        var random = new Random(20150101);

        for (var finished = 0; finished < files; finished++)
        {
            while (withWorkers.Count < Math.Min(3, files - finished)) withWorkers.Add(_router.ExpectMsg<DownloadFile>());
            _router.ExpectNoMsg(TimeSpan.FromMilliseconds(20));
            var status = await bridge.Ask<BridgeStatus>(GetBridgeStatus.Instance, RemainingOrDefault);
            Assert.InRange(status.InFlight, withWorkers.Count, 4);
            Assert.Equal(withWorkers.Count, status.Dispatched);
            Assert.InRange(_queue.Counts.InFlight, withWorkers.Count, 4);
            Assert.InRange(_recording.MostHeld, 0, 4);

            var done = withWorkers[random.Next(withWorkers.Count)];
            withWorkers.Remove(done);
            bridge.Tell(Finished(done, new DownloadOutcome.Stored(100, "ab", 1)), _router.Ref);
        }

        AwaitAssert(() => Assert.Equal(new InProcessQueueCounts(0, 0, 0), _queue.Counts));
        Assert.Equal(4, _recording.MostHeld);
        Assert.Equal(names.Order(), _recording.Deliveries.Select(m => m.Body).Order());
        var settled = Enumerable.Range(0, files).Select(_ => _settled.ExpectMsg<FileSettled>()).ToList();
        Assert.Equal(names.Order(), settled.Select(s => s.FileName).Order());
        Assert.All(settled, s => Assert.Equal(FileSettlement.Stored, s.Settlement));
        var final = await bridge.Ask<BridgeStatus>(GetBridgeStatus.Instance, RemainingOrDefault);
        Assert.Equal(new BridgeStatus(0, 0, 4, files, 0, 0, 3, false), final);
    }

    [Fact]
    public async Task A_message_is_acknowledged_only_once_its_file_is_stored()
    {
        await Send("2015-01-01-15.json.gz");
        var bridge = StartBridge(Settings(workers: 2, prefetch: 0));

        var download = _router.ExpectMsg<DownloadFile>();
        Assert.Equal((Feed, "2015-01-01-15.json.gz", new DateTime(2015, 1, 1, 15, 0, 0, DateTimeKind.Utc)),
            (download.Feed, download.FileName, download.Hour));
        _settled.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(new InProcessQueueCounts(0, 1, 0), _queue.Counts);

        bridge.Tell(Finished(download, new DownloadOutcome.Stored(1234, "ab", 1)), _router.Ref);

        Assert.Equal(new FileSettled(Feed.Id, "2015-01-01-15.json.gz", FileSettlement.Stored, 1234), _settled.ExpectMsg<FileSettled>());
        Assert.Equal(new InProcessQueueCounts(0, 0, 0), _queue.Counts);
    }

    [Fact]
    public async Task An_identical_file_already_stored_is_acknowledged_and_counted_apart()
    {
        await Send("2015-01-01-15.json.gz");
        var bridge = StartBridge(Settings(workers: 1, prefetch: 0));

        bridge.Tell(Finished(_router.ExpectMsg<DownloadFile>(), new DownloadOutcome.AlreadyStored(77)), _router.Ref);

        Assert.Equal(FileSettlement.AlreadyStored, _settled.ExpectMsg<FileSettled>().Settlement);
        Assert.Equal(new InProcessQueueCounts(0, 0, 0), _queue.Counts);
        Assert.Equal(new BridgeStatus(0, 0, 1, 0, 1, 0, 1, false), await bridge.Ask<BridgeStatus>(GetBridgeStatus.Instance, RemainingOrDefault));
    }

    [Fact]
    public async Task A_failed_file_is_dead_lettered_with_its_reason_and_a_record_in_the_store()
    {
        await Send("2015-01-01-15.json.gz");
        var bridge = StartBridge(Settings(workers: 1, prefetch: 0));

        bridge.Tell(Finished(_router.ExpectMsg<DownloadFile>(), new DownloadOutcome.Failed("HTTP 404 for a week", 6)), _router.Ref);

        Assert.Equal(new FileSettled(Feed.Id, "2015-01-01-15.json.gz", FileSettlement.DeadLettered, 0), _settled.ExpectMsg<FileSettled>());
        var dead = Assert.Single(_queue.DeadLetters);
        Assert.Equal(("2015-01-01-15.json.gz", "HTTP 404 for a week"), (dead.Body, dead.Reason));
        var record = ReadRecord(Feed.DeadLetterKey("2015-01-01-15.json.gz"));
        Assert.Equal((Feed.Id, "2015-01-01-15.json.gz", "HTTP 404 for a week", 1), (record.FeedId, record.FileName, record.Reason, record.ReceiveCount));
        Assert.Equal(new BridgeStatus(0, 0, 1, 0, 0, 1, 1, false), await bridge.Ask<BridgeStatus>(GetBridgeStatus.Instance, RemainingOrDefault));
    }

    [Fact]
    public async Task A_dead_letter_whose_record_cannot_be_written_still_leaves_the_queue()
    {
        _store.TextWriteFault = new IOException("the store is down");
        await Send("2015-01-01-15.json.gz");
        var bridge = StartBridge(Settings(workers: 1, prefetch: 0));

        bridge.Tell(Finished(_router.ExpectMsg<DownloadFile>(), new DownloadOutcome.Failed("gone", 6)), _router.Ref);

        Assert.Equal(FileSettlement.DeadLettered, _settled.ExpectMsg<FileSettled>().Settlement);
        Assert.Equal("gone", Assert.Single(_queue.DeadLetters).Reason);
    }

    [Fact]
    public async Task Malformed_messages_are_dead_lettered_unseen_by_the_workers_under_keys_they_cannot_shape()
    {
        string[] bad = ["../../etc/passwd", "http://evil/x", "junk", "2015-01-01-05.json.gz", ""];
        await _queue.SendBatchAsync(
            bad.Select(body => new FileJob(Feed.Id, body)).Append(new FileJob("nope", "2015-01-01-5.json.gz")).ToList(), default);
        await Send("2015-01-01-6.json.gz");
        StartBridge(Settings(workers: 3, prefetch: 3));

        Assert.Equal("2015-01-01-6.json.gz", _router.ExpectMsg<DownloadFile>().FileName);
        AwaitAssert(() => Assert.Equal(6, _queue.DeadLetters.Count));
        _router.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        Assert.Equal(bad.Append("2015-01-01-5.json.gz").Order(), _queue.DeadLetters.Select(d => d.Body).Order());
        Assert.Contains("not a file name of feed gharchive", _queue.DeadLetters.Single(d => d.Body == "junk").Reason);
        Assert.Contains("unknown feed 'nope'", _queue.DeadLetters.Single(d => d.FeedId == "nope").Reason);
        AwaitAssert(() => Assert.Equal(6, _store.Texts.Count));
        Assert.All(_store.Texts.Keys, key => Assert.Matches("^dead-letters/invalid/[A-Za-z0-9_-]+\\.json$", key));
        var listed = await DeadLetterRecord.ListAsync(_store, [Feed], default);
        Assert.Equal(bad.Append("2015-01-01-5.json.gz").Order(), listed.Select(l => l.Record!.Body).Order());
        Assert.All(listed, l => Assert.Null(l.Record!.FileName));
        _settled.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_message_without_a_feed_attribute_belongs_to_the_only_feed()
    {
        await _queue.SendBatchAsync([new FileJob(null!, "2015-01-01-6.json.gz")], default);
        StartBridge(Settings(workers: 1, prefetch: 0));

        var download = _router.ExpectMsg<DownloadFile>();

        Assert.Equal((Feed, "2015-01-01-6.json.gz"), (download.Feed, download.FileName));
    }

    [Fact]
    public async Task A_crashed_download_goes_back_to_the_queue_and_is_delivered_again()
    {
        await Send("2015-01-01-15.json.gz");
        var bridge = StartBridge(Settings(workers: 1, prefetch: 0));

        var first = _router.ExpectMsg<DownloadFile>();
        bridge.Tell(new DownloadCrashed(first.Message, "boom"), _router.Ref);
        var second = _router.ExpectMsg<DownloadFile>();

        Assert.Equal(first.Message.MessageId, second.Message.MessageId);
        Assert.Equal(2, second.Message.ReceiveCount);
        Assert.Equal(new InProcessQueueCounts(0, 1, 0), _queue.Counts);
    }

    [Fact]
    public async Task A_file_that_always_crashes_is_dead_lettered_after_the_receive_limit()
    {
        await Send("2015-01-01-15.json.gz");
        var bridge = StartBridge(Settings(workers: 1, prefetch: 0, maxReceiveCount: 2));

        for (var delivery = 1; delivery <= 2; delivery++)
        {
            var download = _router.ExpectMsg<DownloadFile>();
            Assert.Equal(delivery, download.Message.ReceiveCount);
            bridge.Tell(new DownloadCrashed(download.Message, "boom"), _router.Ref);
        }

        Assert.Equal(FileSettlement.DeadLettered, _settled.ExpectMsg<FileSettled>().Settlement);
        var dead = Assert.Single(_queue.DeadLetters);
        Assert.StartsWith("delivered 3 times without finishing", dead.Reason);
        Assert.Equal(3, ReadRecord(Feed.DeadLetterKey("2015-01-01-15.json.gz")).ReceiveCount);
        _router.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task An_interrupted_download_goes_back_to_the_queue()
    {
        await Send("2015-01-01-15.json.gz");
        var bridge = StartBridge(Settings(workers: 1, prefetch: 0));

        bridge.Tell(Finished(_router.ExpectMsg<DownloadFile>(), new DownloadOutcome.Interrupted()), _router.Ref);

        Assert.Equal(2, _router.ExpectMsg<DownloadFile>().Message.ReceiveCount);
        _settled.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_download_longer_than_the_visibility_timeout_keeps_its_message_invisible()
    {
        // Two seconds, not one: a heartbeat comes every third of it, and on a loaded test machine one of them can be
        // late by more than a third of a second (seen once: the message came back).
        var visibility = TimeSpan.FromSeconds(2);
        UseQueue(new InProcessQueue(visibility));
        await Send("2015-01-01-15.json.gz");
        var bridge = StartBridge(Settings(workers: 1, prefetch: 1, visibility: visibility));
        var download = _router.ExpectMsg<DownloadFile>();

        // Four heartbeats are 4/3 of the timeout: without them the bridge's waiting receive would get the message back.
        AwaitCondition(() => _recording.Extensions >= 4, TimeSpan.FromSeconds(10));

        Assert.Single(_recording.Deliveries);
        Assert.Equal(new InProcessQueueCounts(0, 1, 0), _queue.Counts);
        bridge.Tell(Finished(download, new DownloadOutcome.Stored(1, "ab", 1)), _router.Ref);
        _settled.ExpectMsg<FileSettled>();
    }

    [Fact]
    public async Task Receive_failures_are_retried_after_a_pause_without_restarting_the_bridge()
    {
        _recording.FailReceive = () => new InvalidOperationException("queue unreachable");
        await Send("2015-01-01-15.json.gz");
        var bridge = StartBridge(Settings(workers: 1, prefetch: 0));
        AwaitCondition(() => _recording.Receives == 1);

        AwaitCondition(() => _recording.Receives == 2, TimeSpan.FromSeconds(3));
        // Timed at the queue, not when this test noticed: a loaded machine notices the first receive late.
        var receivedAt = _recording.ReceivedAt;
        Assert.True(TimeProvider.System.GetElapsedTime(receivedAt[0], receivedAt[1]) >= TimeSpan.FromMilliseconds(800), "the retry came without a pause");

        _recording.FailReceive = () => null;
        Assert.Equal("2015-01-01-15.json.gz", _router.ExpectMsg<DownloadFile>(TimeSpan.FromSeconds(5)).FileName);
        Assert.Equal(1, (await bridge.Ask<BridgeStatus>(GetBridgeStatus.Instance, RemainingOrDefault)).Dispatched);
    }

    [Fact]
    public async Task Draining_hands_prefetched_messages_back_at_once_and_waits_for_running_downloads()
    {
        await Send(FileNames(3));
        var bridge = StartBridge(Settings(workers: 1, prefetch: 2));
        var download = _router.ExpectMsg<DownloadFile>();
        AwaitAssert(() => Assert.Equal(new InProcessQueueCounts(0, 3, 0), _queue.Counts));
        Watch(bridge);

        var drained = bridge.Ask<Drained>(new DrainAndStop(TimeSpan.FromSeconds(10)), TimeSpan.FromSeconds(15));

        AwaitAssert(() => Assert.Equal(new InProcessQueueCounts(2, 1, 0), _queue.Counts));
        Assert.False(drained.IsCompleted);
        bridge.Tell(Finished(download, new DownloadOutcome.Stored(1, "ab", 1)), _router.Ref);
        Assert.Equal(new Drained(2), await drained);
        ExpectTerminated(bridge);
        Assert.Equal(new InProcessQueueCounts(2, 0, 0), _queue.Counts);
        Assert.False(_cancellation.Token.IsCancellationRequested);
        _router.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Draining_interrupts_downloads_still_running_when_the_grace_is_over()
    {
        await Send("2015-01-01-15.json.gz");
        var bridge = StartBridge(Settings(workers: 1, prefetch: 0));
        var download = _router.ExpectMsg<DownloadFile>();

        var drained = bridge.Ask<Drained>(new DrainAndStop(TimeSpan.FromMilliseconds(200)), TimeSpan.FromSeconds(10));
        AwaitCondition(() => _cancellation.Token.IsCancellationRequested);
        bridge.Tell(Finished(download, new DownloadOutcome.Interrupted()), _router.Ref);

        Assert.Equal(new Drained(1), await drained);
        Assert.Equal(new InProcessQueueCounts(1, 0, 0), _queue.Counts);
    }

    [Fact]
    public async Task Draining_an_idle_bridge_answers_at_once()
    {
        var bridge = StartBridge(Settings(workers: 2, prefetch: 2));
        AwaitCondition(() => _recording.Receives == 1);

        Assert.Equal(new Drained(0), await bridge.Ask<Drained>(new DrainAndStop(TimeSpan.FromSeconds(10)), TimeSpan.FromSeconds(3)));
        await Send("2015-01-01-15.json.gz");
        Assert.Equal(new InProcessQueueCounts(1, 0, 0), _queue.Counts);
    }

    [Fact]
    public async Task Setting_workers_resizes_the_router_and_the_number_of_files_out_at_once()
    {
        await Send(FileNames(10));
        var bridge = StartBridge(Settings(workers: 2, prefetch: 0));
        var first = new[] { _router.ExpectMsg<DownloadFile>(), _router.ExpectMsg<DownloadFile>() };
        _router.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        Assert.Equal(new WorkersSet(4), await bridge.Ask<WorkersSet>(new SetWorkers(4), RemainingOrDefault));
        Assert.Equal(2, _router.ExpectMsg<Akka.Routing.AdjustPoolSize>().Change);
        _router.ExpectMsg<DownloadFile>();
        _router.ExpectMsg<DownloadFile>();
        _router.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        var status = await bridge.Ask<BridgeStatus>(GetBridgeStatus.Instance, RemainingOrDefault);
        Assert.Equal((4, 4), (status.Workers, status.Dispatched));

        Assert.Equal(new WorkersSet(1), await bridge.Ask<WorkersSet>(new SetWorkers(1), RemainingOrDefault));
        Assert.Equal(-3, _router.ExpectMsg<Akka.Routing.AdjustPoolSize>().Change);
        foreach (var file in first) bridge.Tell(Finished(file, new DownloadOutcome.Stored(1, "ab", 1)), _router.Ref);
        _router.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // still 2 out, above the new limit of 1
    }

    [Fact]
    public async Task Paused_downloads_start_no_new_file_and_hand_prefetched_messages_back()
    {
        await Send(FileNames(6));
        var bridge = StartBridge(Settings(workers: 1, prefetch: 2));
        var running = _router.ExpectMsg<DownloadFile>();
        await AwaitAssertAsync(() => Assert.Equal(3, _queue.Counts.InFlight));

        Assert.Equal(new DownloadsPaused(true), await bridge.Ask<DownloadsPaused>(PauseDownloads.Instance, RemainingOrDefault));
        await AwaitAssertAsync(() => Assert.Equal(1, _queue.Counts.InFlight)); // only the running file stays held
        bridge.Tell(Finished(running, new DownloadOutcome.Stored(1, "ab", 1)), _router.Ref);
        _settled.ExpectMsg<FileSettled>();
        _router.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        Assert.Equal(new DownloadsPaused(false), await bridge.Ask<DownloadsPaused>(ResumeDownloads.Instance, RemainingOrDefault));
        _router.ExpectMsg<DownloadFile>();
    }

    [Fact]
    public async Task Messages_waiting_for_their_acknowledgement_do_not_hold_up_work_but_are_bounded_too()
    {
        await Send(FileNames(10));
        var acks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _recording.AckGate = acks.Task;
        var bridge = StartBridge(Settings(workers: 2, prefetch: 0));
        var first = new[] { _router.ExpectMsg<DownloadFile>(), _router.ExpectMsg<DownloadFile>() };

        foreach (var file in first) bridge.Tell(Finished(file, new DownloadOutcome.Stored(1, "ab", 1)), _router.Ref);
        // Both acknowledgements hang, and the workers get the next files all the same.
        var second = new[] { _router.ExpectMsg<DownloadFile>(), _router.ExpectMsg<DownloadFile>() };
        Assert.Equal(4, _recording.Held);

        foreach (var file in second) bridge.Tell(Finished(file, new DownloadOutcome.Stored(1, "ab", 1)), _router.Ref);
        // Four settling, twice the capacity of two: nothing more is received until some are settled.
        _router.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(4, _recording.Held);
        _settled.ExpectNoMsg(TimeSpan.Zero);

        acks.SetResult();
        var settled = Enumerable.Range(0, 4).Select(_ => _settled.ExpectMsg<FileSettled>().FileName).Order();
        Assert.Equal(first.Concat(second).Select(file => file.FileName).Order(), settled);
        _router.ExpectMsg<DownloadFile>();
        _router.ExpectMsg<DownloadFile>();
        Assert.InRange(_recording.MostHeld, 4, 4);
    }

    [Fact]
    public async Task A_receive_waits_until_half_the_capacity_is_free_rather_than_fetching_one_message_per_freed_worker()
    {
        await Send(FileNames(12));
        var bridge = StartBridge(Settings(workers: 4, prefetch: 0));
        var running = Enumerable.Range(0, 4).Select(_ => _router.ExpectMsg<DownloadFile>()).ToList();
        await AwaitAssertAsync(() => Assert.Equal(4, _recording.Held));
        var receives = _recording.Receives;

        bridge.Tell(Finished(running[0], new DownloadOutcome.Stored(1, "ab", 1)), _router.Ref);
        _settled.ExpectMsg<FileSettled>();
        _router.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(receives, _recording.Receives);

        bridge.Tell(Finished(running[1], new DownloadOutcome.Stored(1, "ab", 1)), _router.Ref);
        _settled.ExpectMsg<FileSettled>();
        _router.ExpectMsg<DownloadFile>();
        _router.ExpectMsg<DownloadFile>();
        Assert.Equal(receives + 1, _recording.Receives);
    }

    private QueueBridgeSettings Settings(int workers, int prefetch, int maxReceiveCount = 5, TimeSpan? visibility = null) =>
        new(workers, prefetch, visibility ?? LongVisibility, TimeSpan.FromSeconds(5), maxReceiveCount);

    private IActorRef StartBridge(QueueBridgeSettings settings) =>
        Sys.ActorOf(QueueBridge.Props(_recording, [Feed], _router.Ref, _store, settings, _cancellation));

    private void UseQueue(InProcessQueue queue)
    {
        _queue = queue;
        _recording = new RecordingQueue(queue);
    }

    private Task Send(params string[] names) =>
        _queue.SendBatchAsync(names.Select(name => new FileJob(Feed.Id, name)).ToList(), default);

    private static string[] FileNames(int count) =>
        Enumerable.Range(0, count).Select(i => Feed.Naming.NameOf(new DateTime(2015, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(i))).ToArray();

    private static DownloadFinished Finished(DownloadFile file, DownloadOutcome outcome) =>
        new(file.Message, file.Feed, file.FileName, outcome);

    private DeadLetterRecord ReadRecord(string key)
    {
        AwaitCondition(() => _store.Texts.ContainsKey(key));
        Assert.True(DeadLetterRecord.TryParse(_store.Texts[key], out var record, out var error), error);
        return record!;
    }
}
