using Akka.Actor;
using Akka.Routing;
using AkkaIngestion.Downloading;
using AkkaIngestion.Feeds;
using AkkaIngestion.Queueing;
using AkkaIngestion.Storage;
using AkkaIngestion.Tests.Storage;
using Xunit;

namespace AkkaIngestion.Tests.Downloading;

public sealed class DownloadRouterTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly FeedDefinition Feed = FeedDefinition.GhArchive(new Uri("http://127.0.0.1:9/"));
    private static readonly DownloaderSettings Settings = new(RetryAttempts: 2, RetryBaseDelay: TimeSpan.FromMilliseconds(1), ReadStallTimeout: TimeSpan.FromSeconds(5));
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly byte[] Body = GzipData.Compress(GzipData.JsonLines(500));

    private readonly TempDirectory _root = new();
    private readonly DirectoryStore _store;
    private readonly DownloadCancellation _cancellation = new();
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DownloadRouterTests() => _store = new DirectoryStore(_root.Path);

    protected override void Dispose(bool disposing)
    {
        _gate.TrySetResult();
        base.Dispose(disposing);
        _cancellation.Dispose();
        _root.Dispose();
    }

    private static string NameOf(int hour) => $"2015-01-01-{hour}.json.gz";

    private static DownloadFile Job(string fileName) =>
        new(new QueuedFile("message-" + fileName, "receipt-1", fileName, Feed.Id, 1), Feed, fileName, DateTime.UnixEpoch);

    /// <summary>Files named in <paramref name="held"/> (all, when null) wait at the GET until the test opens the gate.</summary>
    private FakeArchiveSource GatedSource(Func<string, bool>? held = null) => FakeArchiveSource.Answering(async request =>
    {
        if (held?.Invoke(request.FileName) ?? true)
            await _gate.Task.WaitAsync(request.CancellationToken);
        return FakeResponse.Of(Body);
    });

    private IActorRef StartRouter(int workers, FakeArchiveSource source) =>
        Sys.ActorOf(DownloadRouter.Create(workers, Downloader.Props(source, _store, Settings, _cancellation)));

    private void ExpectStored(params string[] fileNames)
    {
        var finished = ReceiveN(fileNames.Length, Patience).Cast<DownloadFinished>().ToList();
        Assert.Equal(fileNames.Order(), finished.Select(f => f.FileName).Order());
        Assert.All(finished, f => Assert.IsType<DownloadOutcome.Stored>(f.Outcome));
    }

    [Fact]
    public void With_n_workers_n_files_download_at_the_same_time()
    {
        const int workers = 4;
        var source = GatedSource();
        var router = StartRouter(workers, source);
        var files = Enumerable.Range(0, workers).Select(NameOf).ToArray();

        foreach (var file in files) router.Tell(Job(file), TestActor);

        AwaitCondition(() => source.Open == workers, Patience);
        _gate.SetResult();
        ExpectStored(files);
    }

    [Fact]
    public void A_file_goes_to_an_idle_downloader_not_behind_a_busy_one()
    {
        var source = GatedSource(held: name => name == NameOf(0));
        var router = StartRouter(2, source);

        router.Tell(Job(NameOf(0)), TestActor);
        AwaitCondition(() => source.Open == 1, Patience);
        router.Tell(Job(NameOf(1)), TestActor);

        ExpectStored(NameOf(1));
        _gate.SetResult();
        ExpectStored(NameOf(0));
    }

    [Fact]
    public void Files_beyond_the_workers_wait_for_a_free_one_and_are_all_done()
    {
        const int workers = 2;
        var source = GatedSource();
        var router = StartRouter(workers, source);
        var files = Enumerable.Range(0, workers + 3).Select(NameOf).ToArray();

        foreach (var file in files) router.Tell(Job(file), TestActor);
        AwaitCondition(() => source.Open == workers, Patience);
        _gate.SetResult();

        ExpectStored(files);
        Assert.Equal(workers, source.MostOpen);
    }

    [Fact]
    public void Growing_the_pool_live_adds_downloaders()
    {
        var source = GatedSource();
        var router = StartRouter(1, source);

        router.Tell(new AdjustPoolSize(2));
        foreach (var hour in new[] { 0, 1, 2 }) router.Tell(Job(NameOf(hour)), TestActor);

        AwaitCondition(() => source.Open == 3, Patience);
        _gate.SetResult();
        ExpectStored(NameOf(0), NameOf(1), NameOf(2));
    }

    [Fact]
    public void Shrinking_the_pool_live_lets_busy_downloaders_finish_first()
    {
        var source = GatedSource();
        var router = StartRouter(3, source);
        foreach (var hour in new[] { 0, 1, 2 }) router.Tell(Job(NameOf(hour)), TestActor);
        AwaitCondition(() => source.Open == 3, Patience);

        router.Tell(new AdjustPoolSize(-2));
        _gate.SetResult();
        ExpectStored(NameOf(0), NameOf(1), NameOf(2));

        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var heldSource = FakeArchiveSource.Answering(async request =>
        {
            if (request.FileName == NameOf(3)) await held.Task.WaitAsync(request.CancellationToken);
            return FakeResponse.Of(Body);
        });
        var shrunk = StartRouter(3, heldSource);
        shrunk.Tell(new AdjustPoolSize(-2));
        shrunk.Tell(Job(NameOf(3)), TestActor);
        AwaitCondition(() => heldSource.Open == 1, Patience);
        shrunk.Tell(Job(NameOf(4)), TestActor);
        held.SetResult();
        ExpectStored(NameOf(3), NameOf(4));
        Assert.Equal(1, heldSource.MostOpen);
    }

    [Fact]
    public void A_crashed_downloader_is_reported_to_the_sender_and_keeps_serving()
    {
        var source = new FakeArchiveSource(request => request.FileName == NameOf(0)
            ? throw new InvalidOperationException("unforeseen")
            : FakeResponse.Of(Body));
        var router = StartRouter(1, source);

        router.Tell(Job(NameOf(0)), TestActor);
        var crashed = ExpectMsg<DownloadCrashed>(Patience);
        Assert.Equal(Job(NameOf(0)).Message, crashed.Message);

        router.Tell(Job(NameOf(1)), TestActor);
        ExpectStored(NameOf(1));
    }
}
