namespace AkkaIngestion.Scheduling;

/// <summary>
/// The scheduler's bookkeeping of the hours after its start point, free of I/O so it can be tested directly.
/// An hour is probed, then (found) sent to the queue and later settled by a worker, or (404 while a later hour exists)
/// becomes a gap. Two frontiers follow from that: every hour up to <see cref="EnqueuedThrough"/> is enqueued or a gap,
/// every hour up to <see cref="SettledThrough"/> is stored or a gap. Hours may complete in any order; the frontiers only
/// move over contiguous runs, so the bookmark never passes an hour that is not done.
/// </summary>
internal sealed class HourLedger
{
    private enum State { Unprobed, Probing, Found, Missing, Sending, Enqueued, Settled, Gap }

    private readonly SortedDictionary<DateTime, State> _hours = new();
    private readonly SortedSet<DateTime> _toReprobe = new();
    private readonly SortedSet<DateTime> _found = new();
    private readonly SortedSet<DateTime> _missing = new();
    private readonly DateTime? _lastInRange;
    private DateTime _nextUnprobed;
    private DateTime? _latestFound;

    /// <param name="settledBefore">The hour before the first one to work on.</param>
    /// <param name="lastInRange">Last hour to ingest (inclusive), or null to follow the live edge.</param>
    public HourLedger(DateTime settledBefore, DateTime? lastInRange)
    {
        EnqueuedThrough = settledBefore;
        SettledThrough = settledBefore;
        _nextUnprobed = settledBefore.AddHours(1);
        _lastInRange = lastInRange;
    }

    public DateTime EnqueuedThrough { get; private set; }

    public DateTime SettledThrough { get; private set; }

    public int Probing { get; private set; }

    /// <summary>Enqueued (or being sent) and not settled yet.</summary>
    public int Outstanding => _hours.Values.Count(s => s is State.Sending or State.Enqueued);

    public bool RangeEnqueued => _lastInRange is { } last && EnqueuedThrough >= last;

    public bool RangeSettled => _lastInRange is { } last && SettledThrough >= last;

    /// <summary>Trailing hours that answered 404 with nothing published after them: the live edge, not gaps.</summary>
    public IReadOnlyList<DateTime> WaitingAtEdge => _missing.ToList();

    /// <summary>
    /// Hours to probe now, at most <paramref name="max"/>, none later than <paramref name="latestPublishable"/>.
    /// Past the end of a bounded range an hour is probed only as a witness: to learn whether a 404 inside the range
    /// is a gap (something later exists) or the live edge.
    /// </summary>
    public IReadOnlyList<DateTime> TakeHoursToProbe(int max, DateTime latestPublishable)
    {
        var taken = new List<DateTime>();
        while (taken.Count < max && _toReprobe.Count > 0 && _toReprobe.Min <= latestPublishable)
        {
            var hour = _toReprobe.Min;
            _toReprobe.Remove(hour);
            _hours[hour] = State.Probing;
            taken.Add(hour);
        }
        while (taken.Count < max && _nextUnprobed <= latestPublishable && (InRange(_nextUnprobed) || NeedsWitness()))
        {
            if (InRange(_nextUnprobed)) _hours[_nextUnprobed] = State.Probing;
            taken.Add(_nextUnprobed);
            _nextUnprobed = _nextUnprobed.AddHours(1);
        }
        Probing += taken.Count;
        return taken;
    }

    /// <summary>Records a probe answer; returns the hours that thereby became gaps.</summary>
    public IReadOnlyList<DateTime> RecordProbe(DateTime hour, bool found)
    {
        Probing--;
        if (found && (_latestFound is null || hour > _latestFound)) _latestFound = hour;
        if (InRange(hour))
        {
            _hours[hour] = found ? State.Found : State.Missing;
            (found ? _found : _missing).Add(hour);
        }

        var gaps = new List<DateTime>();
        while (_missing.Count > 0 && _missing.Min < _latestFound)
        {
            var gap = _missing.Min;
            _missing.Remove(gap);
            _hours[gap] = State.Gap;
            gaps.Add(gap);
        }
        Advance();
        return gaps;
    }

    /// <summary>The probe could not be answered (network, 5xx): the hour is probed again later, never assumed missing.</summary>
    public void RecordProbeFailed(DateTime hour)
    {
        Probing--;
        if (!InRange(hour)) return;
        _hours[hour] = State.Unprobed;
        _toReprobe.Add(hour);
    }

    /// <summary>Found hours not yet sent, oldest first, at most <paramref name="max"/>; they are marked as being sent.</summary>
    public IReadOnlyList<DateTime> TakeSendable(int max)
    {
        var hours = _found.Take(max).ToList();
        foreach (var hour in hours)
        {
            _found.Remove(hour);
            _hours[hour] = State.Sending;
        }
        return hours;
    }

    public void MarkEnqueued(IEnumerable<DateTime> hours)
    {
        foreach (var hour in hours)
            if (_hours.TryGetValue(hour, out var state) && state == State.Sending)
                _hours[hour] = State.Enqueued;
        Advance();
    }

    public void MarkSendFailed(IEnumerable<DateTime> hours)
    {
        foreach (var hour in hours)
            if (_hours.TryGetValue(hour, out var state) && state == State.Sending)
            {
                _hours[hour] = State.Found;
                _found.Add(hour);
            }
    }

    /// <summary>A worker finished this hour's file. Returns false when the hour is not one this ledger is waiting for.</summary>
    public bool MarkSettled(DateTime hour)
    {
        if (!_hours.TryGetValue(hour, out var state) || state is not (State.Sending or State.Enqueued)) return false;
        _hours[hour] = State.Settled;
        Advance();
        return true;
    }

    /// <summary>At the live edge: the trailing 404s are probed again on the next round.</summary>
    public void ReprobeEdge()
    {
        foreach (var hour in _missing)
        {
            _hours[hour] = State.Unprobed;
            _toReprobe.Add(hour);
        }
        _missing.Clear();
    }

    private bool InRange(DateTime hour) => _lastInRange is null || hour <= _lastInRange;

    /// <summary>Every 404 still in <see cref="_missing"/> lies after the latest found hour, so any one of them needs a witness.</summary>
    private bool NeedsWitness() => _missing.Count > 0;

    private void Advance()
    {
        while (_hours.TryGetValue(EnqueuedThrough.AddHours(1), out var s) && s is State.Enqueued or State.Settled or State.Gap)
            EnqueuedThrough = EnqueuedThrough.AddHours(1);
        while (_hours.TryGetValue(SettledThrough.AddHours(1), out var s) && s is State.Settled or State.Gap)
        {
            SettledThrough = SettledThrough.AddHours(1);
            _hours.Remove(SettledThrough);
        }
    }
}
