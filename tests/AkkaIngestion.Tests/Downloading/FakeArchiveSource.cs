using System.Collections.Concurrent;
using AkkaIngestion.Feeds;
using AkkaIngestion.Sources;

namespace AkkaIngestion.Tests.Downloading;

/// <summary>One GET as the fake source saw it; <paramref name="Attempt"/> counts GETs of this file, from 1.</summary>
public sealed record FakeRequest(string FileName, int Attempt, CancellationToken CancellationToken);

/// <summary>What the fake source answers with 200: a body, the Content-Length it announces, an ETag, a read to hold.</summary>
public sealed record FakeResponse(byte[] Body, long? Length, string? ETag = null, long? HoldAt = null)
{
    public static FakeResponse Of(byte[] body, string? etag = null) => new(body, body.Length, etag);
}

/// <summary>
/// An archive source whose answers each test scripts (throw a <see cref="SourceException"/> for a status, or anything
/// else for a fault), counting GETs and how many are open at once (a GET is open until its response is disposed).
/// </summary>
public sealed class FakeArchiveSource : IArchiveSource
{
    private readonly Func<FakeRequest, Task<FakeResponse>> _respond;
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private int _opens;
    private int _probes;
    private int _open;
    private int _mostOpen;

    public FakeArchiveSource(Func<FakeRequest, FakeResponse> respond) => _respond = request => Task.FromResult(respond(request));

    private FakeArchiveSource(Func<FakeRequest, Task<FakeResponse>> respond) => _respond = respond;

    /// <summary>A source whose answers may wait, e.g. for a gate the test opens.</summary>
    public static FakeArchiveSource Answering(Func<FakeRequest, Task<FakeResponse>> respond) => new(respond);

    public int Opens => Volatile.Read(ref _opens);

    public int Open => Volatile.Read(ref _open);

    public int MostOpen => Volatile.Read(ref _mostOpen);

    public ConcurrentQueue<FakeBody> Bodies { get; } = new();

    public static SourceException Status(int statusCode) => SourceException.ForStatus(new Uri("http://127.0.0.1:9/file"), statusCode);

    public int Probes => Volatile.Read(ref _probes);

    /// <summary>A HEAD: announces what the next GET of the file would answer, without opening it.</summary>
    public async Task<ProbeResult> ProbeAsync(FeedDefinition feed, string fileName, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _probes);
        var nextAttempt = _attempts.GetValueOrDefault(fileName) + 1;
        try
        {
            var answer = await _respond(new FakeRequest(fileName, nextAttempt, cancellationToken));
            return new ProbeResult(ProbeOutcome.Found, answer.Length, answer.ETag);
        }
        catch (SourceException e) when (e.StatusCode == 404)
        {
            return new ProbeResult(ProbeOutcome.Missing, null);
        }
    }

    public async Task<SourceResponse> OpenAsync(FeedDefinition feed, string fileName, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _opens);
        var attempt = _attempts.AddOrUpdate(fileName, 1, (_, previous) => previous + 1);
        var open = Interlocked.Increment(ref _open);
        InterlockedMax(ref _mostOpen, open);
        try
        {
            var answer = await _respond(new FakeRequest(fileName, attempt, cancellationToken));
            var body = new FakeBody(answer.Body) { HoldAt = answer.HoldAt };
            Bodies.Enqueue(body);
            return new SourceResponse(body, answer.Length, answer.ETag, new Closing(this));
        }
        catch
        {
            Interlocked.Decrement(ref _open);
            throw;
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    private sealed class Closing(FakeArchiveSource source) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref source._open);
    }
}
