using AkkaIngestion.Feeds;
using AkkaIngestion.Storage;

namespace AkkaIngestion.Scheduling;

/// <summary>A feed's bookmark as read from the store, with the version a later write must match.</summary>
public sealed record LoadedBookmark(BookmarkDocument Document, string? Version);

/// <summary>The bookmark object could not be understood; nothing is written over it.</summary>
public sealed class BookmarkUnreadableException(string message) : Exception(message);

/// <summary>
/// Reads and writes one feed's bookmark object with compare-and-swap, so two schedulers can never move it backwards
/// or clobber each other: a lost race re-reads, merges (the later settled hour wins, gaps are united) and writes again.
/// </summary>
public sealed class FeedBookmarks(IObjectStore store, FeedDefinition feed)
{
    private const int MaxRaces = 10;

    public async Task<LoadedBookmark> LoadAsync(CancellationToken cancellationToken)
    {
        var text = await store.ReadTextAsync(feed.BookmarkKey, cancellationToken);
        if (text is null) return new LoadedBookmark(BookmarkDocument.Empty(feed.Id), null);
        if (!BookmarkDocument.TryParse(text.Content, feed, out var document, out var error))
            throw new BookmarkUnreadableException($"bookmark {feed.BookmarkKey} in {store.Location} is unreadable: {error}");
        return new LoadedBookmark(document, text.Version);
    }

    /// <summary>Writes <paramref name="desired"/> over <paramref name="current"/>; returns what is stored afterwards.</summary>
    public async Task<SaveResult> SaveAsync(LoadedBookmark current, BookmarkDocument desired, CancellationToken cancellationToken)
    {
        var races = 0;
        while (true)
        {
            var version = await store.TryWriteTextAsync(feed.BookmarkKey, desired.Serialize(feed), current.Version, cancellationToken);
            if (version is not null) return new SaveResult(new LoadedBookmark(desired, version), races);
            if (++races > MaxRaces)
                throw new IOException($"bookmark {feed.BookmarkKey}: lost {MaxRaces} write races in a row to another scheduler");
            current = await LoadAsync(cancellationToken);
            desired = Merge(desired, current.Document);
        }
    }

    public static BookmarkDocument Merge(BookmarkDocument ours, BookmarkDocument theirs)
    {
        var settled = (ours.SettledThrough, theirs.SettledThrough) switch
        {
            (null, var t) => t,
            (var o, null) => o,
            var (o, t) => o > t ? o : t,
        };
        var gaps = ours.Gaps.Concat(theirs.Gaps)
            .GroupBy(g => g.Hour)
            .Select(g => g.MaxBy(e => e.LastProbed)!)
            .OrderBy(g => g.Hour)
            .ToList();
        return ours with { SettledThrough = settled, Gaps = gaps };
    }

    public sealed record SaveResult(LoadedBookmark Stored, int LostRaces);
}
