using Amazon.S3.Model;

namespace AkkaIngestion.Storage;

/// <summary>
/// What recent listings of a folder showed, for a short while: a key inside a listed range that the listing did not
/// contain is absent, with no request. Files arrive from the queue in roughly the order of their names, so one listing
/// of up to 1,000 keys answers for the files that follow; one request per file (LIST is also S3's dearest request)
/// becomes one per window. A key stored by another writer after the listing looks absent until the window expires,
/// which at worst fetches an identical file again.
/// </summary>
internal sealed class RecentListings(TimeSpan lifetime, TimeProvider clock)
{
    private readonly object _gate = new();
    private readonly List<Window> _windows = [];

    /// <summary>True when a live window covers <paramref name="key"/>; then <paramref name="listed"/> is its entry, or null when absent.</summary>
    public bool TryGet(string key, out S3Object? listed)
    {
        lock (_gate)
        {
            var now = clock.GetTimestamp();
            _windows.RemoveAll(window => clock.GetElapsedTime(window.ListedAt, now) > lifetime);
            foreach (var window in _windows)
            {
                if (!window.Covers(key)) continue;
                listed = window.Objects.GetValueOrDefault(key);
                return true;
            }
        }
        listed = null;
        return false;
    }

    /// <summary>
    /// A listing of <paramref name="folder"/> that started after <paramref name="after"/> (exclusive) and, when
    /// <paramref name="truncated"/>, ended at its last key; otherwise it reaches the end of the folder.
    /// </summary>
    public void Add(string folder, string after, IReadOnlyList<S3Object> objects, bool truncated)
    {
        var through = truncated && objects.Count > 0 ? objects[^1].Key : null;
        var window = new Window(folder, after, through, objects.ToDictionary(o => o.Key, StringComparer.Ordinal), clock.GetTimestamp());
        lock (_gate) _windows.Add(window);
    }

    /// <summary>This process just stored the object: windows covering it must not call it absent.</summary>
    public void Stored(string key, long size, string etag)
    {
        lock (_gate)
        {
            foreach (var window in _windows.Where(window => window.Covers(key)))
                window.Objects[key] = new S3Object { Key = key, Size = size, ETag = etag };
        }
    }

    private sealed record Window(string Folder, string After, string? Through, Dictionary<string, S3Object> Objects, long ListedAt)
    {
        public bool Covers(string key) =>
            key.StartsWith(Folder, StringComparison.Ordinal)
            && string.CompareOrdinal(key, After) > 0
            && (Through is null || string.CompareOrdinal(key, Through) <= 0);
    }
}
