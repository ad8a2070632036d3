using System.Collections.Concurrent;
using AkkaIngestion.Feeds;
using AkkaIngestion.Sources;

namespace AkkaIngestion.Tests.Fakes;

/// <summary>A source whose published hours are a set the test controls; counts probes per file.</summary>
internal sealed class HourSetSource(IEnumerable<DateTime> published) : IArchiveSource
{
    private readonly ConcurrentDictionary<DateTime, bool> _published = new(published.Select(h => KeyValuePair.Create(h, true)));
    private int _inFlight;

    public ConcurrentDictionary<string, int> Probes { get; } = new();

    public int PeakProbesInFlight;

    /// <summary>Names whose next probes fail with a 503 (each entry is consumed once).</summary>
    public ConcurrentDictionary<string, int> FailNextProbes { get; } = new();

    public void Publish(DateTime hour) => _published[hour] = true;

    public async Task<ProbeResult> ProbeAsync(FeedDefinition feed, string fileName, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref PeakProbesInFlight, now);
        try
        {
            await Task.Yield();
            Probes.AddOrUpdate(fileName, 1, (_, n) => n + 1);
            if (FailNextProbes.TryGetValue(fileName, out var left) && left > 0)
            {
                FailNextProbes[fileName] = left - 1;
                throw new SourceException($"{fileName}: HTTP 503", 503, isTransient: true);
            }
            feed.Naming.TryParse(fileName, out var hour);
            return _published.ContainsKey(hour) ? new ProbeResult(ProbeOutcome.Found, 100) : new ProbeResult(ProbeOutcome.Missing, null);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public Task<SourceResponse> OpenAsync(FeedDefinition feed, string fileName, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the scheduler never downloads");

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
