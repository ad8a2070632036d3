using AkkaIngestion.Aws;
using AkkaIngestion.Storage;
using AkkaIngestion.EndToEnd.Aws.Fauxqs;
using Amazon.S3;
using Xunit;

namespace AkkaIngestion.EndToEnd.Aws.Storage;

/// <summary>
/// The bookmark's compare-and-swap. fauxqs 2.4.1 ignores If-Match and If-None-Match on PutObject, so the races run
/// through <see cref="ConditionalWriteGate"/> (S3's semantics in the client's HTTP pipeline); the plain-fauxqs variants
/// stay skipped to record the gap.
/// </summary>
[Collection(FauxqsCollection.Name)]
public sealed class S3ConditionalWriteTests(FauxqsServer fauxqs) : IAsyncLifetime
{
    private const string FauxqsGap = "fauxqs 2.4.1 ignores If-Match / If-None-Match on PutObject (both writers win); see the gated variants";
    private readonly IAmazonS3 _gated = fauxqs.CreateS3ClientWithConditionalWrites();
    private readonly IAmazonS3 _plain = fauxqs.CreateS3Client();
    private readonly string _bucket = "cas-" + Guid.NewGuid().ToString("N")[..20];
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    public async Task InitializeAsync() => await _plain.PutBucketAsync(_bucket);

    public Task DisposeAsync()
    {
        _gated.Dispose();
        _plain.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public Task Two_writers_of_the_same_version_exactly_one_wins() => SameVersionRace(_gated);

    [Fact]
    public Task Two_creators_exactly_one_wins() => CreateRace(_gated);

    [Fact]
    public async Task A_stale_or_vanished_version_loses()
    {
        var store = Store(_gated);
        var first = await store.TryWriteTextAsync("bookmark.txt", "a", expectedVersion: null, _ct);
        var second = await store.TryWriteTextAsync("bookmark.txt", "b", first, _ct);

        Assert.Null(await store.TryWriteTextAsync("bookmark.txt", "stale", first, _ct));
        Assert.Null(await store.TryWriteTextAsync("bookmark.txt", "again", expectedVersion: null, _ct));
        await store.DeleteAsync("bookmark.txt", _ct);
        Assert.Null(await store.TryWriteTextAsync("bookmark.txt", "vanished", second, _ct));
    }

    [Fact(Skip = FauxqsGap)]
    public Task Plain_fauxqs_two_writers_of_the_same_version_exactly_one_wins() => SameVersionRace(_plain);

    [Fact(Skip = FauxqsGap)]
    public Task Plain_fauxqs_two_creators_exactly_one_wins() => CreateRace(_plain);

    private async Task SameVersionRace(IAmazonS3 s3)
    {
        var store = Store(s3);
        var start = await store.TryWriteTextAsync("bookmark.txt", "2015-01-01-0.json.gz", null, _ct);
        Assert.NotNull(start);

        var results = await Task.WhenAll(
            store.TryWriteTextAsync("bookmark.txt", "2015-01-01-1.json.gz", start, _ct),
            store.TryWriteTextAsync("bookmark.txt", "2015-01-01-2.json.gz", start, _ct));

        var winner = Assert.Single(results, version => version is not null);
        var stored = await store.ReadTextAsync("bookmark.txt", _ct);
        Assert.Equal(winner, stored?.Version);
        Assert.Equal(results[0] is not null ? "2015-01-01-1.json.gz" : "2015-01-01-2.json.gz", stored?.Content);
    }

    private async Task CreateRace(IAmazonS3 s3)
    {
        var store = Store(s3);

        var results = await Task.WhenAll(
            store.TryWriteTextAsync("fresh.txt", "one", null, _ct),
            store.TryWriteTextAsync("fresh.txt", "two", null, _ct));

        var winner = Assert.Single(results, version => version is not null);
        Assert.Equal(winner, (await store.ReadTextAsync("fresh.txt", _ct))?.Version);
    }

    private S3Store Store(IAmazonS3 s3) => new(s3, new S3StoreLocation(_bucket, "feed"));
}
