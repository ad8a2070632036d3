using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace AkkaIngestion.ArchiveSim;

/// <summary>What the simulator has been asked and has sent; every counter can be read at any time from any thread.</summary>
public sealed class ArchiveSimStats
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> getsPerFile = new(StringComparer.Ordinal);
    private long heads;
    private long gets;
    private long notFound;
    private long bytesSent;
    private long fails;
    private long truncations;
    private long resets;
    private int getsInFlight;
    private int peakConcurrentGets;

    /// <summary>HEAD requests for a file name (whether or not the file exists).</summary>
    public long Heads => Interlocked.Read(ref heads);

    /// <summary>GET requests for a file name (whether or not the file exists, faulted or not).</summary>
    public long Gets => Interlocked.Read(ref gets);

    /// <summary>GETs and HEADs answered 404, including names that are not plain file names.</summary>
    public long NotFound => Interlocked.Read(ref notFound);

    /// <summary>Body bytes handed to the connection, partial bodies included.</summary>
    public long BytesSent => Interlocked.Read(ref bytesSent);

    public int GetsInFlight => Volatile.Read(ref getsInFlight);

    /// <summary>The most GETs ever being answered at the same time.</summary>
    public int PeakConcurrentGets => Volatile.Read(ref peakConcurrentGets);

    public long TotalFaults => Faults(SimFault.Fail) + Faults(SimFault.Truncate) + Faults(SimFault.Reset);

    public long Faults(SimFault kind) => kind switch
    {
        SimFault.Fail => Interlocked.Read(ref fails),
        SimFault.Truncate => Interlocked.Read(ref truncations),
        SimFault.Reset => Interlocked.Read(ref resets),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public long GetsOf(string fileName) =>
        getsPerFile.TryGetValue(fileName, out var count) ? Interlocked.Read(ref count.Value) : 0;

    /// <summary>A snapshot of GETs per requested file name.</summary>
    public IReadOnlyDictionary<string, long> GetsPerFile =>
        getsPerFile.ToDictionary(entry => entry.Key, entry => Interlocked.Read(ref entry.Value.Value), StringComparer.Ordinal);

    public override string ToString() =>
        $"{Heads} HEAD, {Gets} GET ({PeakConcurrentGets} at most at once), {NotFound} not found, {BytesSent} bytes sent, " +
        $"faults: {Faults(SimFault.Fail)} fail, {Faults(SimFault.Truncate)} truncate, {Faults(SimFault.Reset)} reset";

    internal void RecordHead() => Interlocked.Increment(ref heads);

    internal void RecordNotFound() => Interlocked.Increment(ref notFound);

    internal void RecordBytesSent(long count) => Interlocked.Add(ref bytesSent, count);

    /// <summary>Counts a GET as started; the returned handle knows which attempt at this file it is and ends it once.</summary>
    internal InFlightGet BeginGet(string fileName)
    {
        Interlocked.Increment(ref gets);
        var inFlight = Interlocked.Increment(ref getsInFlight);
        for (var peak = Volatile.Read(ref peakConcurrentGets); inFlight > peak;
             peak = Volatile.Read(ref peakConcurrentGets))
        {
            if (Interlocked.CompareExchange(ref peakConcurrentGets, inFlight, peak) == peak) break;
        }
        var attempt = Interlocked.Increment(ref getsPerFile.GetOrAdd(fileName, _ => new StrongBox<long>()).Value);
        return new InFlightGet(this, attempt);
    }

    internal void EndGet() => Interlocked.Decrement(ref getsInFlight);

    internal void RecordFault(SimFault kind)
    {
        switch (kind)
        {
            case SimFault.Fail: Interlocked.Increment(ref fails); break;
            case SimFault.Truncate: Interlocked.Increment(ref truncations); break;
            case SimFault.Reset: Interlocked.Increment(ref resets); break;
        }
    }
}

/// <summary>
/// One GET being answered. It is ended just before the response's last byte (or the abort) goes out, not after: a client
/// that starts its next download the moment this one completes must not be counted as overlapping it.
/// </summary>
internal sealed class InFlightGet(ArchiveSimStats stats, long attempt) : IDisposable
{
    private int ended;

    /// <summary>Which GET of this file name this is, from 1.</summary>
    public long Attempt { get; } = attempt;

    public void End()
    {
        if (Interlocked.Exchange(ref ended, 1) == 0) stats.EndGet();
    }

    public void Dispose() => End();
}
