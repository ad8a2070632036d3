using System.Text;
using Akka.Actor;
using AkkaIngestion.Downloading;
using AkkaIngestion.Feeds;
using AkkaIngestion.Queueing;
using AkkaIngestion.Storage;
using AkkaIngestion.Tests.Storage;
using Xunit;

namespace AkkaIngestion.Tests.Downloading;

public sealed class DownloaderTests : Akka.TestKit.Xunit2.TestKit
{
    private const string FileName = "2015-01-01-15.json.gz";
    private static readonly FeedDefinition Feed = FeedDefinition.GhArchive(new Uri("http://127.0.0.1:9/"));
    private static readonly DownloaderSettings Settings = new(RetryAttempts: 4, RetryBaseDelay: TimeSpan.FromMilliseconds(1), ReadStallTimeout: TimeSpan.FromSeconds(5));
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _root = new();
    private readonly DirectoryStore _store;
    private readonly DownloadCancellation _cancellation = new();

    public DownloaderTests() => _store = new DirectoryStore(_root.Path);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _cancellation.Dispose();
        _root.Dispose();
    }

    private static DownloadFile Job(string fileName = FileName) =>
        new(new QueuedFile("message-" + fileName, "receipt-1", fileName, Feed.Id, 1), Feed, fileName, DateTime.UnixEpoch);

    private IActorRef StartDownloader(FakeArchiveSource source, DownloaderSettings? settings = null) =>
        Sys.ActorOf(Downloader.Props(source, _store, settings ?? Settings, _cancellation));

    private DownloadOutcome Download(IActorRef downloader, string fileName = FileName)
    {
        downloader.Tell(Job(fileName), TestActor);
        var finished = ExpectMsg<DownloadFinished>(Patience);
        Assert.Equal(fileName, finished.FileName);
        Assert.Equal(Job(fileName).Message, finished.Message);
        return finished.Outcome;
    }

    private async Task<byte[]> StoredBytesAsync(string fileName = FileName)
    {
        await using var stored = await _store.OpenReadAsync(Feed.ObjectKey(fileName), CancellationToken.None);
        var copy = new MemoryStream();
        await stored.CopyToAsync(copy);
        return copy.ToArray();
    }

    private void AssertNothingPublished()
    {
        Assert.False(File.Exists(_root.Combine("raw", FileName)));
        Assert.Empty(Directory.GetFiles(_root.Combine(".incoming")));
    }

    [Fact]
    public async Task Two_503s_then_success_store_the_exact_bytes_on_the_third_attempt()
    {
        var body = GzipData.File();
        var source = new FakeArchiveSource(request => request.Attempt <= 2 ? throw FakeArchiveSource.Status(503) : FakeResponse.Of(body, "\"v1\""));

        var stored = Assert.IsType<DownloadOutcome.Stored>(Download(StartDownloader(source)));

        Assert.Equal(3, stored.Attempts);
        Assert.Equal(body.Length, stored.Bytes);
        Assert.Equal(body, await StoredBytesAsync());
        var record = await _store.GetRecordAsync(Feed.ObjectKey(FileName), CancellationToken.None);
        Assert.Equal((body.Length, stored.Sha256, "\"v1\""), (record!.Size, record.Sha256, record.SourceETag));
    }

    [Fact]
    public void A_source_that_keeps_failing_fails_the_file_after_the_retry_budget()
    {
        var source = new FakeArchiveSource(_ => throw FakeArchiveSource.Status(500));

        var failed = Assert.IsType<DownloadOutcome.Failed>(Download(StartDownloader(source)));

        Assert.Equal(Settings.RetryAttempts, failed.Attempts);
        Assert.Equal(Settings.RetryAttempts, source.Opens);
        Assert.Contains("HTTP 500", failed.Reason);
        Assert.Contains($"{Settings.RetryAttempts} attempt", failed.Reason);
    }

    [Fact]
    public void A_budget_of_one_attempt_means_no_retries()
    {
        var source = new FakeArchiveSource(_ => throw FakeArchiveSource.Status(503));

        var failed = Assert.IsType<DownloadOutcome.Failed>(Download(StartDownloader(source, Settings with { RetryAttempts = 1 })));

        Assert.Equal(1, failed.Attempts);
        Assert.Equal(1, source.Opens);
    }

    [Fact]
    public void Settings_come_from_the_options_and_impossible_ones_are_refused_before_any_actor_starts()
    {
        var options = new Hosting.IngestionOptions { RetryAttempts = 3, RetryBaseDelay = TimeSpan.FromSeconds(2), ReadStallTimeout = TimeSpan.FromSeconds(7) };
        Assert.Equal(new DownloaderSettings(3, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(7)), DownloaderSettings.From(options));

        var source = new FakeArchiveSource(_ => throw FakeArchiveSource.Status(500));
        Assert.Throws<ArgumentException>(() => Downloader.Props(source, _store, Settings with { RetryAttempts = 0 }, _cancellation));
        Assert.Throws<ArgumentException>(() => Downloader.Props(source, _store, Settings with { ReadStallTimeout = TimeSpan.Zero }, _cancellation));
    }

    [Fact]
    public void A_forbidden_file_fails_at_once_without_retries()
    {
        var source = new FakeArchiveSource(_ => throw FakeArchiveSource.Status(403));

        var failed = Assert.IsType<DownloadOutcome.Failed>(Download(StartDownloader(source)));

        Assert.Equal(1, failed.Attempts);
        Assert.Equal(1, source.Opens);
        Assert.Contains("HTTP 403", failed.Reason);
    }

    [Fact]
    public void A_body_that_is_never_valid_gzip_fails_after_the_budget_and_publishes_nothing()
    {
        var page = Encoding.UTF8.GetBytes("<html><body>rate limited</body></html>");
        var source = new FakeArchiveSource(_ => FakeResponse.Of(page));

        var failed = Assert.IsType<DownloadOutcome.Failed>(Download(StartDownloader(source)));

        Assert.Equal(Settings.RetryAttempts, failed.Attempts);
        Assert.Contains("gzip", failed.Reason);
        AssertNothingPublished();
    }

    [Fact]
    public void A_stalled_body_is_retried()
    {
        var body = GzipData.File();
        var source = new FakeArchiveSource(request => request.Attempt == 1 ? FakeResponse.Of(body) with { HoldAt = 1000 } : FakeResponse.Of(body));

        var stored = Assert.IsType<DownloadOutcome.Stored>(Download(StartDownloader(source, Settings with { ReadStallTimeout = TimeSpan.FromMilliseconds(200) })));

        Assert.Equal(2, stored.Attempts);
    }

    [Fact]
    public void An_identical_stored_file_is_not_fetched_again()
    {
        var body = GzipData.File();
        var source = new FakeArchiveSource(_ => FakeResponse.Of(body, "\"v1\""));
        var downloader = StartDownloader(source);
        Assert.IsType<DownloadOutcome.Stored>(Download(downloader));

        var again = Assert.IsType<DownloadOutcome.AlreadyStored>(Download(downloader));

        Assert.Equal(body.Length, again.Bytes);
        Assert.Equal(1, source.Opens); // checked with a HEAD; no second GET
        Assert.Equal(1, source.Probes);
        Assert.Equal(0, source.Open);
    }

    [Fact]
    public async Task A_stored_file_of_another_size_is_downloaded_again()
    {
        var first = GzipData.File(1);
        var second = GzipData.File(2);
        Assert.NotEqual(first.Length, second.Length);
        var source = new FakeArchiveSource(request => FakeResponse.Of(request.Attempt == 1 ? first : second));
        var downloader = StartDownloader(source);
        Assert.IsType<DownloadOutcome.Stored>(Download(downloader));

        var replaced = Assert.IsType<DownloadOutcome.Stored>(Download(downloader));

        Assert.Equal(second.Length, replaced.Bytes);
        Assert.Equal(second, await StoredBytesAsync());
    }

    [Fact]
    public async Task A_stored_file_of_the_same_size_but_another_etag_is_downloaded_again()
    {
        var first = GzipData.File(1);
        var second = (byte[])first.Clone();
        second[4] ^= 0x01; // the gzip header's mtime: same size, other bytes, still valid gzip
        var source = new FakeArchiveSource(request => FakeResponse.Of(request.Attempt == 1 ? first : second, $"\"v{request.Attempt}\""));
        var downloader = StartDownloader(source);
        Assert.IsType<DownloadOutcome.Stored>(Download(downloader));

        Assert.IsType<DownloadOutcome.Stored>(Download(downloader));

        Assert.Equal(second, await StoredBytesAsync());
    }

    [Fact]
    public void A_crash_tells_the_sender_and_the_downloader_goes_on_with_the_next_file()
    {
        var body = GzipData.File();
        var source = new FakeArchiveSource(request => request.FileName == "crash.json.gz"
            ? throw new UnforeseenFault("the source fell over in an unforeseen way")
            : FakeResponse.Of(body));
        var downloader = StartDownloader(source);

        downloader.Tell(Job("crash.json.gz"), TestActor);
        var crashed = ExpectMsg<DownloadCrashed>(Patience);

        Assert.Equal(Job("crash.json.gz").Message, crashed.Message);
        Assert.Contains("unforeseen way", crashed.Reason);
        Assert.IsType<DownloadOutcome.Stored>(Download(downloader));
    }

    [Fact]
    public void Cancellation_in_the_middle_of_a_file_interrupts_it_and_publishes_nothing()
    {
        var body = GzipData.File();
        var source = new FakeArchiveSource(_ => FakeResponse.Of(body) with { HoldAt = body.Length / 2 });
        var downloader = StartDownloader(source);

        downloader.Tell(Job(), TestActor);
        AwaitCondition(() => source.Bodies.TryPeek(out var held) && held.HeldReached.IsCompleted, Patience);
        _cancellation.CancelAll();

        var finished = ExpectMsg<DownloadFinished>(Patience);
        Assert.IsType<DownloadOutcome.Interrupted>(finished.Outcome);
        Assert.Equal(1, source.Opens);
        AssertNothingPublished();
    }

    /// <summary>A fault nothing in the download path knows how to handle.</summary>
    private sealed class UnforeseenFault(string message) : Exception(message);
}
