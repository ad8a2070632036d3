using System.Security.Cryptography;
using System.Text;
using AkkaIngestion.Storage;
using Xunit;

namespace AkkaIngestion.Tests.Storage;

public sealed class DirectoryStoreTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDirectory _root = new();
    private readonly DirectoryStore _store;

    public DirectoryStoreTests() => _store = new DirectoryStore(_root.Path);

    public void Dispose() => _root.Dispose();

    private string Incoming => _root.Combine(".incoming");

    private static ObjectRecord RecordOf(byte[] bytes, string? etag = "\"e1\"") =>
        new(bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)), etag, new DateTimeOffset(2024, 2, 29, 23, 0, 0, TimeSpan.Zero));

    private async Task PutAsync(string key, byte[] bytes)
    {
        await using var upload = await _store.BeginUploadAsync(key, bytes.Length, None);
        await upload.Content.WriteAsync(bytes);
        await upload.CommitAsync(RecordOf(bytes), None);
    }

    private async Task<List<StoredObject>> ListAsync(string prefix)
    {
        var listed = new List<StoredObject>();
        await foreach (var stored in _store.ListAsync(prefix, None)) listed.Add(stored);
        return listed;
    }

    [Fact]
    public async Task An_upload_is_invisible_until_committed_then_object_and_record_appear_together()
    {
        var bytes = Encoding.UTF8.GetBytes("hello, archive");
        await using var upload = await _store.BeginUploadAsync("raw/a.json.gz", bytes.Length, None);
        await upload.Content.WriteAsync(bytes);

        Assert.False(File.Exists(_root.Combine("raw", "a.json.gz")));
        Assert.Null(await _store.GetRecordAsync("raw/a.json.gz", None));
        Assert.Empty(await ListAsync(""));

        await upload.CommitAsync(RecordOf(bytes), None);

        Assert.Equal(RecordOf(bytes), await _store.GetRecordAsync("raw/a.json.gz", None));
        await using var read = await _store.OpenReadAsync("raw/a.json.gz", None);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
        Assert.Empty(Directory.GetFiles(Incoming));
    }

    [Fact]
    public async Task Disposing_an_uncommitted_upload_leaves_nothing_behind()
    {
        await using (var upload = await _store.BeginUploadAsync("raw/a.json.gz", 3, None))
        {
            await upload.Content.WriteAsync(new byte[] { 1, 2, 3 });
            Assert.Single(Directory.GetFiles(Incoming));
        }

        Assert.False(File.Exists(_root.Combine("raw", "a.json.gz")));
        Assert.Empty(Directory.GetFiles(Incoming));
        Assert.Empty(await ListAsync(""));
    }

    [Fact]
    public async Task A_commit_whose_record_disagrees_with_the_bytes_written_publishes_nothing()
    {
        await using var upload = await _store.BeginUploadAsync("raw/a.json.gz", 3, None);
        await upload.Content.WriteAsync(new byte[] { 1, 2, 3 });

        await Assert.ThrowsAsync<ArgumentException>(() => upload.CommitAsync(RecordOf(new byte[4]), None));

        Assert.False(File.Exists(_root.Combine("raw", "a.json.gz")));
    }

    [Fact]
    public async Task A_record_is_trusted_only_beside_an_object_of_its_size()
    {
        await PutAsync("raw/a.json.gz", [1, 2, 3]);
        await File.WriteAllBytesAsync(_root.Combine("raw", "a.json.gz"), [1, 2, 3, 4]);
        Assert.Null(await _store.GetRecordAsync("raw/a.json.gz", None));

        await PutAsync("raw/b.json.gz", [1, 2, 3]);
        await File.WriteAllTextAsync(_root.Combine("raw", "b.json.gz" + DirectoryStore.RecordSuffix), "{ not json");
        Assert.Null(await _store.GetRecordAsync("raw/b.json.gz", None));

        await PutAsync("raw/c.json.gz", [1, 2, 3]);
        File.Delete(_root.Combine("raw", "c.json.gz" + DirectoryStore.RecordSuffix));
        Assert.Null(await _store.GetRecordAsync("raw/c.json.gz", None));

        Assert.Null(await _store.GetRecordAsync("raw/never-stored.json.gz", None));
    }

    [Fact]
    public async Task Publishing_over_an_object_replaces_bytes_and_record()
    {
        await PutAsync("raw/a.json.gz", [1, 2, 3]);
        await PutAsync("raw/a.json.gz", [9, 8, 7, 6]);

        Assert.Equal(RecordOf([9, 8, 7, 6]), await _store.GetRecordAsync("raw/a.json.gz", None));
        Assert.Equal([9, 8, 7, 6], await File.ReadAllBytesAsync(_root.Combine("raw", "a.json.gz")));
    }

    [Fact]
    public async Task Temp_files_a_crashed_run_left_over_an_hour_ago_are_removed_and_recent_ones_kept()
    {
        Directory.CreateDirectory(Incoming);
        var stale = Path.Combine(Incoming, "crashed.tmp");
        var recent = Path.Combine(Incoming, "other-process-writing.tmp");
        await File.WriteAllTextAsync(stale, "half a file");
        await File.WriteAllTextAsync(recent, "being written");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-2));

        await new DirectoryStore(_root.Path).CheckReachableAsync(None);

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(recent));
    }

    [Fact]
    public async Task Listing_shows_published_objects_with_records_and_never_records_temp_files_or_locks()
    {
        await PutAsync("raw/b.json.gz", [1, 2]);
        await PutAsync("raw/a.json.gz", [1]);
        await PutAsync("rawish/c.json.gz", [1]);
        await _store.WriteTextAsync("bookmark.txt", "2024-02-29T23", None);
        await using var pending = await _store.BeginUploadAsync("raw/pending.json.gz", null, None);
        await pending.Content.WriteAsync(new byte[] { 1 });

        var raw = await ListAsync("raw/");
        Assert.Equal(["raw/a.json.gz", "raw/b.json.gz"], raw.Select(o => o.Key));
        Assert.Equal(RecordOf([1, 2]), raw[1].Record);
        Assert.Equal(2, raw[1].Size);

        Assert.Equal(["bookmark.txt", "raw/a.json.gz", "raw/b.json.gz", "rawish/c.json.gz"], (await ListAsync("")).Select(o => o.Key));
        Assert.Equal(["raw/b.json.gz"], (await ListAsync("raw/b")).Select(o => o.Key));
        Assert.Empty(await ListAsync("nothing/"));
    }

    [Fact]
    public async Task Text_versions_follow_compare_and_swap_rules()
    {
        Assert.Null(await _store.ReadTextAsync("bookmark.txt", None));

        var first = await _store.TryWriteTextAsync("bookmark.txt", "one", expectedVersion: null, None);
        Assert.NotNull(first);
        Assert.Null(await _store.TryWriteTextAsync("bookmark.txt", "again", expectedVersion: null, None));
        Assert.Equal(new VersionedText("one", first), await _store.ReadTextAsync("bookmark.txt", None));

        var second = await _store.TryWriteTextAsync("bookmark.txt", "two", first, None);
        Assert.NotNull(second);
        Assert.NotEqual(first, second);
        Assert.Null(await _store.TryWriteTextAsync("bookmark.txt", "stale writer", first, None));
        Assert.Equal(new VersionedText("two", second), await _store.ReadTextAsync("bookmark.txt", None));

        await _store.WriteTextAsync("bookmark.txt", "forced", None);
        Assert.Null(await _store.TryWriteTextAsync("bookmark.txt", "stale again", second, None));
        Assert.Equal("forced", (await _store.ReadTextAsync("bookmark.txt", None))!.Content);
    }

    [Fact]
    public async Task Of_two_concurrent_writers_from_the_same_version_exactly_one_wins()
    {
        // Two store instances stand for two processes; each round both race from the version they both read.
        var other = new DirectoryStore(_root.Path);
        var version = await _store.TryWriteTextAsync("dead-letters/x.json", "round -1", null, None);
        for (var round = 0; round < 30; round++)
        {
            using var start = new Barrier(2);
            var writes = new[] { _store, other }.Select((store, writer) => Task.Run(async () =>
            {
                start.SignalAndWait();
                return await store.TryWriteTextAsync("dead-letters/x.json", $"round {round} writer {writer}", version, None);
            })).ToArray();
            var results = await Task.WhenAll(writes);

            var winners = results.Where(r => r is not null).ToList();
            Assert.Single(winners);
            var current = await _store.ReadTextAsync("dead-letters/x.json", None);
            Assert.Equal(winners[0], current!.Version);
            Assert.StartsWith($"round {round} writer ", current.Content);
            version = current.Version;
        }
    }

    [Theory]
    [InlineData("../outside.txt")]
    [InlineData("raw/../../outside.txt")]
    [InlineData("raw/./a.json.gz")]
    [InlineData("/etc/passwd")]
    [InlineData("raw\\a.json.gz")]
    [InlineData("raw//a.json.gz")]
    [InlineData("raw/")]
    [InlineData("")]
    [InlineData("raw/a.json.gz.record.json")]
    [InlineData(".incoming/x.tmp")]
    public async Task Keys_that_could_leave_the_root_or_touch_the_stores_own_files_are_rejected(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.BeginUploadAsync(key, null, None));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.GetRecordAsync(key, None));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.WriteTextAsync(key, "x", None));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.DeleteAsync(key, None));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_root.Path)!, "outside.txt")));
    }

    [Fact]
    public async Task Delete_removes_object_and_record()
    {
        await PutAsync("raw/a.json.gz", [1, 2, 3]);

        await _store.DeleteAsync("raw/a.json.gz", None);

        Assert.Null(await _store.GetRecordAsync("raw/a.json.gz", None));
        Assert.Empty(await ListAsync(""));
        Assert.Empty(Directory.GetFiles(_root.Combine("raw")));
    }

    [Fact]
    public async Task Check_reachable_creates_the_root_and_reports_an_unwritable_one_clearly()
    {
        var fresh = new DirectoryStore(_root.Combine("new", "data"));
        await fresh.CheckReachableAsync(None);
        Assert.True(Directory.Exists(_root.Combine("new", "data")));

        await File.WriteAllTextAsync(_root.Combine("a-file"), "not a directory");
        var blocked = new DirectoryStore(_root.Combine("a-file", "data"));
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => blocked.CheckReachableAsync(None));
        Assert.Contains(_root.Combine("a-file", "data"), error.Message);
    }
}
