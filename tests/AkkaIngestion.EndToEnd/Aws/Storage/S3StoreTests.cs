using AkkaIngestion.Aws;
using System.Security.Cryptography;
using AkkaIngestion.Storage;
using AkkaIngestion.EndToEnd.Aws.Fauxqs;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Xunit;

namespace AkkaIngestion.EndToEnd.Aws.Storage;

[Collection(FauxqsCollection.Name)]
public sealed class S3StoreTests(FauxqsServer fauxqs) : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private readonly IAmazonS3 _s3 = fauxqs.CreateS3Client();
    private readonly string _bucket = "t-" + Guid.NewGuid().ToString("N")[..20];
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    public async Task InitializeAsync() => await _s3.PutBucketAsync(_bucket);

    public Task DisposeAsync()
    {
        _s3.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Small_object_is_one_put_with_its_record_readable_by_head()
    {
        var store = Store("feeds/a");
        var operations = RecordOperations();
        var body = RandomBytes(100_000, seed: 1);
        var record = RecordOf(body, sourceETag: "\"abc-1\"");

        await using (var upload = await store.BeginUploadAsync("raw/small.bin", body.Length, _ct))
        {
            await upload.Content.WriteAsync(body, _ct);
            await upload.CommitAsync(record, _ct);
        }

        Assert.Equal(["PutObjectRequest"], operations.Names);
        Assert.Equal(record, await store.GetRecordAsync("raw/small.bin", _ct));
        Assert.Equal(body, await ReadWithSdkAsync("feeds/a/raw/small.bin"));
        var listed = Assert.Single(await ToListAsync(store.ListAsync("raw/", _ct)));
        Assert.Equal(new StoredObject("raw/small.bin", body.Length, record), listed);
        Assert.Equal([listed], await ToListAsync(store.ListAsync("", _ct)));
    }

    [Fact]
    public async Task Large_object_goes_multipart_with_bounded_parts_in_flight_and_arrives_identical()
    {
        var store = Store("", new S3UploadOptions(DefaultPartSize: 8 * MiB, PartsInFlight: 2));
        var operations = RecordOperations();
        var body = RandomBytes(40 * MiB + 123, seed: 2);
        var record = RecordOf(body, sourceETag: null);

        await using (var upload = await store.BeginUploadAsync("raw/large.bin", expectedLength: null, _ct))
        {
            foreach (var chunk in body.Chunk(81_920)) await upload.Content.WriteAsync(chunk, _ct);
            await upload.CommitAsync(record, _ct);
        }

        Assert.Equal(6, operations.Names.Count(name => name == "UploadPartRequest"));
        Assert.InRange(operations.MaxPartsInFlight, 1, 2);
        // The record goes into a sidecar after completion: no copy of the object onto itself.
        Assert.Equal(["CompleteMultipartUploadRequest", "PutObjectRequest"], operations.Names.SkipWhile(name => name != "CompleteMultipartUploadRequest"));
        Assert.Equal(body, await ReadWithSdkAsync("raw/large.bin"));
        Assert.Equal(record, await store.GetRecordAsync("raw/large.bin", _ct));
        Assert.Equal([new StoredObject("raw/large.bin", body.Length, record)], await ToListAsync(store.ListAsync("", _ct)));
        Assert.Empty(OpenMultipartUploads());
    }

    [Fact]
    public async Task A_multipart_record_is_trusted_only_for_the_object_it_was_written_for()
    {
        var store = Store("p", new S3UploadOptions(DefaultPartSize: 5 * MiB, PartsInFlight: 2));
        var body = RandomBytes(11 * MiB, seed: 3);
        await using (var upload = await store.BeginUploadAsync("raw/a.bin", body.Length, _ct))
        {
            await upload.Content.WriteAsync(body, _ct);
            await upload.CommitAsync(RecordOf(body, sourceETag: "\"v1\""), _ct);
        }
        var sidecar = await ReadWithSdkAsync("p/records/raw/a.bin.json");

        // Another writer replaces the object without a record: the old sidecar does not vouch for the new bytes.
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = "p/raw/a.bin", ContentBody = "other bytes" }, _ct);
        Assert.Null(await store.GetRecordAsync("raw/a.bin", _ct));

        // A multipart object of the same size whose sidecar names another ETag is not trusted either.
        var other = RandomBytes(body.Length, seed: 4);
        await using (var upload = await store.BeginUploadAsync("raw/b.bin", other.Length, _ct))
        {
            await upload.Content.WriteAsync(other, _ct);
            await upload.CommitAsync(RecordOf(other, sourceETag: null), _ct);
        }
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = "p/records/raw/b.bin.json", InputStream = new MemoryStream(sidecar) }, _ct);
        Assert.Null(await store.GetRecordAsync("raw/b.bin", _ct));
    }

    [Fact]
    public async Task Disposing_without_commit_aborts_the_multipart_upload_and_leaves_nothing()
    {
        var store = Store("");
        var body = RandomBytes(20 * MiB, seed: 3);

        await using (var upload = await store.BeginUploadAsync("raw/abandoned.bin", body.Length, _ct))
        {
            await upload.Content.WriteAsync(body, _ct);
            Assert.NotEmpty(OpenMultipartUploads());
        }

        Assert.Empty(OpenMultipartUploads());
        Assert.Null(await store.GetRecordAsync("raw/abandoned.bin", _ct));
        await Assert.ThrowsAsync<FileNotFoundException>(() => store.OpenReadAsync("raw/abandoned.bin", _ct));
    }

    [Fact]
    public async Task A_failed_part_fails_the_upload_and_dispose_aborts_it()
    {
        // fauxqs refuses request bodies above 11 MiB, which makes every 12 MiB part fail for real.
        var store = Store("", new S3UploadOptions(DefaultPartSize: 12 * MiB));
        var body = RandomBytes(30 * MiB, seed: 5);

        await using (var upload = await store.BeginUploadAsync("raw/failing.bin", body.Length, _ct))
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                foreach (var chunk in body.Chunk(MiB)) await upload.Content.WriteAsync(chunk, _ct);
                await upload.CommitAsync(RecordOf(body, null), _ct);
            });
            Assert.IsNotType<InvalidDataException>(error);
            Assert.NotEmpty(OpenMultipartUploads());
        }

        Assert.Empty(OpenMultipartUploads());
        Assert.Null(await store.GetRecordAsync("raw/failing.bin", _ct));
    }

    [Fact(Skip = "fauxqs 2.4.1 answers ListMultipartUploads with an empty list, so no stale upload can be found through it")]
    public async Task Stale_multipart_uploads_under_the_prefix_are_aborted()
    {
        var store = Store("feed");
        await _s3.InitiateMultipartUploadAsync(_bucket, "feed/raw/left-behind.bin", _ct);
        await _s3.InitiateMultipartUploadAsync(_bucket, "elsewhere/kept.bin", _ct);

        Assert.Equal(1, await store.AbortStaleUploadsAsync(TimeSpan.Zero, _ct));
        Assert.Single(OpenMultipartUploads());
    }

    [Fact]
    public async Task Commit_with_a_record_that_does_not_match_the_bytes_publishes_nothing()
    {
        var store = Store("");
        var body = RandomBytes(10 * MiB, seed: 4);
        var wrong = RecordOf(body, null) with { Sha256 = new string('0', 64) };

        await using (var upload = await store.BeginUploadAsync("raw/corrupt.bin", body.Length, _ct))
        {
            await upload.Content.WriteAsync(body, _ct);
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => upload.CommitAsync(wrong, _ct));
            Assert.Contains("the record says", error.Message);
        }

        Assert.Null(await store.GetRecordAsync("raw/corrupt.bin", _ct));
        Assert.Empty(OpenMultipartUploads());
    }

    [Fact]
    public async Task An_object_without_a_record_or_with_a_record_of_another_size_is_not_trusted()
    {
        var store = Store("");
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = "bare", ContentBody = "no record" }, _ct);
        var lying = new PutObjectRequest { BucketName = _bucket, Key = "lying", ContentBody = "twelve bytes" };
        lying.Metadata["record-size"] = "13";
        lying.Metadata["record-sha256"] = new string('a', 64);
        lying.Metadata["record-stored-at"] = DateTimeOffset.UnixEpoch.ToString("O");
        await _s3.PutObjectAsync(lying, _ct);

        Assert.Null(await store.GetRecordAsync("bare", _ct));
        Assert.Null(await store.GetRecordAsync("lying", _ct));
        Assert.Null(await store.GetRecordAsync("absent", _ct));
    }

    [Fact]
    public async Task A_missing_object_is_known_from_a_listing_without_a_head_even_beside_longer_keys()
    {
        var store = Store("p");
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = "p/raw/2015-01-01-1.json.gz.part", ContentBody = "x" }, _ct);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = "p/raw/2015-01-01-10.json.gz", ContentBody = "x" }, _ct);
        var operations = RecordOperations();

        Assert.Null(await store.GetRecordAsync("raw/2015-01-01-1.json.gz", _ct));
        Assert.Null(await store.GetRecordAsync("raw/2015-01-01-0.json.gz", _ct));

        Assert.Equal(["ListObjectsV2Request", "ListObjectsV2Request"], operations.Names);
    }

    [Fact]
    public async Task One_listing_answers_for_the_keys_after_it_until_it_expires()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var store = Store("p", clock: clock);
        var names = Enumerable.Range(0, 24).Select(hour => $"raw/2015-01-01-{hour}.json.gz").Order(StringComparer.Ordinal).ToList();
        var body = RandomBytes(1000, seed: 5);
        await using (var upload = await store.BeginUploadAsync(names[3], body.Length, _ct))
        {
            await upload.Content.WriteAsync(body, _ct);
            await upload.CommitAsync(RecordOf(body, sourceETag: null), _ct);
        }
        var operations = RecordOperations();

        var found = new List<string>();
        foreach (var name in names)
            if (await store.GetRecordAsync(name, _ct) is not null) found.Add(name);

        Assert.Equal([names[3]], found);
        Assert.Equal(["ListObjectsV2Request", "GetObjectMetadataRequest"], operations.Names);

        // Stored by another writer after the listing: unseen while the listing lives, seen once it has expired.
        var late = RecordOf("x"u8.ToArray(), sourceETag: null);
        var put = new PutObjectRequest { BucketName = _bucket, Key = "p/" + names[6], ContentBody = "x" };
        put.Metadata["record-size"] = "1";
        put.Metadata["record-sha256"] = late.Sha256;
        put.Metadata["record-stored-at"] = late.StoredAt.ToString("O");
        await _s3.PutObjectAsync(put, _ct);
        Assert.Null(await store.GetRecordAsync(names[6], _ct));
        clock.Advance(S3Store.ListingLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(late, await store.GetRecordAsync(names[6], _ct));
    }

    [Fact]
    public async Task Text_objects_read_back_with_their_etag_as_version_and_delete()
    {
        var store = Store("p");
        Assert.Null(await store.ReadTextAsync("bookmark.txt", _ct));

        await store.WriteTextAsync("bookmark.txt", "2015-01-01-15.json.gz", _ct);
        var read = await store.ReadTextAsync("bookmark.txt", _ct);

        Assert.Equal("2015-01-01-15.json.gz", read?.Content);
        var head = await _s3.GetObjectMetadataAsync(_bucket, "p/bookmark.txt", _ct);
        Assert.Equal(head.ETag, read?.Version);
        await store.DeleteAsync("bookmark.txt", _ct);
        Assert.Null(await store.ReadTextAsync("bookmark.txt", _ct));
    }

    [Fact]
    public async Task Reachability_check_names_a_missing_bucket()
    {
        var store = new S3Store(_s3, new S3StoreLocation("no-such-bucket-" + Guid.NewGuid().ToString("N")[..8], ""));

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.CheckReachableAsync(_ct));

        Assert.Contains("does not exist", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        await Store("").CheckReachableAsync(_ct);
    }

    private S3Store Store(string prefix, S3UploadOptions? options = null, TimeProvider? clock = null) =>
        new(_s3, new S3StoreLocation(_bucket, prefix), options, clock: clock);

    private async Task<byte[]> ReadWithSdkAsync(string key)
    {
        using var response = await _s3.GetObjectAsync(_bucket, key, _ct);
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy, _ct);
        return copy.ToArray();
    }

    private string[] OpenMultipartUploads()
    {
        var dir = Path.Combine(fauxqs.S3StorageDir, "_multipart");
        return Directory.Exists(dir) ? Directory.GetDirectories(dir) : [];
    }

    private OperationLog RecordOperations()
    {
        var log = new OperationLog();
        var client = (AmazonServiceClient)_s3;
        client.BeforeRequestEvent += (_, e) => log.Started(((WebServiceRequestEventArgs)e).Request);
        client.AfterResponseEvent += (_, e) => log.Finished(((WebServiceResponseEventArgs)e).Request);
        return log;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static ObjectRecord RecordOf(byte[] body, string? sourceETag) =>
        new(body.Length, Convert.ToHexStringLower(SHA256.HashData(body)), sourceETag,
            new DateTimeOffset(2024, 2, 29, 23, 5, 0, TimeSpan.Zero));

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items) list.Add(item);
        return list;
    }

    private sealed class OperationLog
    {
        private readonly List<string> _names = [];
        private int _partsInFlight;

        public IReadOnlyList<string> Names
        {
            get { lock (_names) return [.. _names]; }
        }

        public int MaxPartsInFlight { get; private set; }

        public void Started(AmazonWebServiceRequest request)
        {
            lock (_names)
            {
                _names.Add(request.GetType().Name);
                if (request is UploadPartRequest) MaxPartsInFlight = Math.Max(MaxPartsInFlight, ++_partsInFlight);
            }
        }

        public void Finished(AmazonWebServiceRequest request)
        {
            lock (_names)
                if (request is UploadPartRequest) _partsInFlight--;
        }
    }
}
