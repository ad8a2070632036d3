using AkkaIngestion.Feeds;
using AkkaIngestion.Scheduling;
using AkkaIngestion.Tests.Fakes;

namespace AkkaIngestion.Tests.Scheduling;

public class BookmarkDocumentTests
{
    private static readonly FeedDefinition Feed = FeedDefinition.GhArchive();

    [Fact]
    public void Reads_the_replaced_designs_plain_file_name()
    {
        Assert.True(BookmarkDocument.TryParse("2023-03-13-1.json.gz\n", Feed, out var doc, out _));
        Assert.Equal(new DateTime(2023, 3, 13, 1, 0, 0, DateTimeKind.Utc), doc.SettledThrough);
        Assert.Empty(doc.Gaps);
    }

    [Fact]
    public void Writes_its_own_versioned_format_and_reads_it_back()
    {
        var hour = new DateTime(2024, 2, 29, 23, 0, 0, DateTimeKind.Utc);
        var gap = new GapEntry(hour.AddHours(-5), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1), 3);
        var doc = new BookmarkDocument(Feed.Id, hour, [gap], DateTimeOffset.UnixEpoch);
        var text = doc.Serialize(Feed);
        Assert.Contains("\"version\": 1", text);
        Assert.Contains("2024-02-29-23.json.gz", text);
        Assert.True(BookmarkDocument.TryParse(text, Feed, out var back, out var error), error);
        Assert.Equal(hour, back.SettledThrough);
        Assert.Equal([gap], back.Gaps);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("garbage", "neither")]
    [InlineData("2023-03-13-01.json.gz", "neither")]
    [InlineData("{\"version\": 2, \"settled\": \"2023-03-13-1.json.gz\"}", "version is 2")]
    [InlineData("{\"version\": 1, \"settled\": \"../x\"}", "'settled' value")]
    [InlineData("{\"version\": 1, \"feed\": \"other\"}", "belongs to feed 'other'")]
    [InlineData("{\"version\": 1, \"gaps\": [{\"file\": \"nope\"}]}", "gap 'nope'")]
    [InlineData("{\"version\": ", "not valid JSON")]
    public void Names_what_is_wrong_with_an_unreadable_bookmark(string content, string expected)
    {
        Assert.False(BookmarkDocument.TryParse(content, Feed, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public async Task An_unreadable_bookmark_fails_loading_with_one_clear_message_and_is_left_alone()
    {
        var store = new MemoryObjectStore();
        await store.WriteTextAsync("bookmark.txt", "garbage", default);
        var error = await Assert.ThrowsAsync<BookmarkUnreadableException>(() => new FeedBookmarks(store, Feed).LoadAsync(default));
        Assert.Contains("bookmark.txt", error.Message);
        Assert.Contains("neither", error.Message);
        Assert.Equal("garbage", store.Text("bookmark.txt"));
    }

    [Fact]
    public async Task A_lost_write_race_is_re_read_and_merged_so_the_bookmark_never_moves_back()
    {
        var store = new MemoryObjectStore();
        var bookmarks = new FeedBookmarks(store, Feed);
        var empty = await bookmarks.LoadAsync(default);
        var early = new DateTime(2020, 1, 1, 5, 0, 0, DateTimeKind.Utc);
        var late = early.AddHours(10);

        var theirs = await bookmarks.SaveAsync(empty, new BookmarkDocument(Feed.Id, late, [], DateTimeOffset.UnixEpoch), default);
        Assert.Equal(0, theirs.LostRaces);

        // Ours was computed from the stale (empty) read and would move the bookmark back to 'early'.
        var ours = await bookmarks.SaveAsync(empty, new BookmarkDocument(Feed.Id, early, [], DateTimeOffset.UnixEpoch), default);
        Assert.Equal(1, ours.LostRaces);
        Assert.Equal(late, ours.Stored.Document.SettledThrough);
        Assert.Equal(late, (await bookmarks.LoadAsync(default)).Document.SettledThrough);
    }
}
