namespace AkkaIngestion.Scheduling;

/// <summary>
/// The gaps of a feed: hours that answered 404 while a later hour existed. Each is re-probed with exponential backoff
/// and leaves the book only once its file is safely on its way (enqueued on a durable queue, stored otherwise).
/// </summary>
internal sealed class GapBook(TimeSpan initialBackoff, TimeSpan maxBackoff)
{
    private readonly SortedDictionary<DateTime, GapEntry> _gaps = new();
    private readonly HashSet<DateTime> _busy = [];

    public int Count => _gaps.Count;

    public IReadOnlyList<GapEntry> Entries => _gaps.Values.ToList();

    public bool Contains(DateTime hour) => _gaps.ContainsKey(hour);

    public void Load(IEnumerable<GapEntry> gaps)
    {
        foreach (var gap in gaps) _gaps[gap.Hour] = gap;
    }

    /// <summary>Records (or re-records) a 404 for <paramref name="hour"/> seen at <paramref name="now"/>.</summary>
    public void RecordMissing(DateTime hour, DateTimeOffset now)
    {
        _busy.Remove(hour);
        _gaps[hour] = _gaps.TryGetValue(hour, out var known)
            ? known with { LastProbed = now, Probes = known.Probes + 1 }
            : new GapEntry(hour, now, now, 1);
    }

    /// <summary>Gaps due for a probe at <paramref name="now"/>, not later than <paramref name="notAfter"/>; they are marked busy.</summary>
    public IReadOnlyList<DateTime> TakeDue(DateTimeOffset now, DateTime notAfter, int max)
    {
        var due = _gaps.Values
            .Where(g => g.Hour <= notAfter && !_busy.Contains(g.Hour) && g.NextProbeAt(initialBackoff, maxBackoff) <= now)
            .Take(max)
            .Select(g => g.Hour)
            .ToList();
        _busy.UnionWith(due);
        return due;
    }

    public DateTimeOffset? NextDue() => _gaps.Values
        .Where(g => !_busy.Contains(g.Hour))
        .Select(g => (DateTimeOffset?)g.NextProbeAt(initialBackoff, maxBackoff))
        .Min();

    /// <summary>The probe failed to get an answer; the gap stays as it was and becomes due again.</summary>
    public void Release(DateTime hour) => _busy.Remove(hour);

    /// <summary>The hour's file is on its way; it stays busy (not re-probed) until <see cref="Remove"/>.</summary>
    public void MarkBusy(DateTime hour) => _busy.Add(hour);

    public bool IsBusy(DateTime hour) => _busy.Contains(hour);

    public bool Remove(DateTime hour)
    {
        _busy.Remove(hour);
        return _gaps.Remove(hour);
    }
}
