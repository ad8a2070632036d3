using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AkkaIngestion.Storage;

namespace AkkaIngestion.Tests.Fakes;

/// <summary>An in-memory store for actor tests; faults can be switched on to test how callers cope.</summary>
internal sealed class MemoryObjectStore : IObjectStore
{
    private readonly ConcurrentDictionary<string, (byte[] Bytes, ObjectRecord? Record)> _objects = new();
    private readonly ConcurrentDictionary<string, VersionedText> _texts = new();
    private int _version;

    public string Location => "memory-store";

    /// <summary>When set, every text write fails with it.</summary>
    public Exception? TextWriteFault { get; set; }

    public int TextWrites;

    /// <summary>Every text write that took effect, in order, so a test can see how a bookmark moved.</summary>
    public ConcurrentQueue<(string Key, string Content)> TextHistory { get; } = new();

    public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<ObjectRecord?> GetRecordAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_objects.TryGetValue(key, out var o) ? o.Record : null);

    public Task<IObjectUpload> BeginUploadAsync(string key, long? expectedLength, CancellationToken cancellationToken) =>
        Task.FromResult<IObjectUpload>(new Upload(this, key));

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult<Stream>(new MemoryStream(_objects[key].Bytes, writable: false));

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        // Small text objects (bookmark, dead-letter records) are objects too, as in the real stores.
        var listed = _objects.Select(o => new StoredObject(o.Key, o.Value.Bytes.Length, o.Value.Record))
            .Concat(_texts.Select(t => new StoredObject(t.Key, t.Value.Content.Length, null)));
        foreach (var item in listed.OrderBy(o => o.Key, StringComparer.Ordinal))
            if (item.Key.StartsWith(prefix, StringComparison.Ordinal))
                yield return item;
    }

    public Task<VersionedText?> ReadTextAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_texts.TryGetValue(key, out var text) ? text : null);

    public Task<string?> TryWriteTextAsync(string key, string content, string? expectedVersion, CancellationToken cancellationToken)
    {
        if (TextWriteFault is { } fault) return Task.FromException<string?>(fault);
        lock (_texts)
        {
            var current = _texts.TryGetValue(key, out var existing) ? existing.Version : null;
            if (current != expectedVersion) return Task.FromResult<string?>(null);
            var version = Interlocked.Increment(ref _version).ToString();
            _texts[key] = new VersionedText(content, version);
            TextHistory.Enqueue((key, content));
            Interlocked.Increment(ref TextWrites);
            return Task.FromResult<string?>(version);
        }
    }

    public Task WriteTextAsync(string key, string content, CancellationToken cancellationToken)
    {
        if (TextWriteFault is { } fault) return Task.FromException(fault);
        lock (_texts)
        {
            _texts[key] = new VersionedText(content, Interlocked.Increment(ref _version).ToString());
            TextHistory.Enqueue((key, content));
            Interlocked.Increment(ref TextWrites);
        }
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        _objects.TryRemove(key, out _);
        _texts.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    /// <summary>Every text object now, by key.</summary>
    public IReadOnlyDictionary<string, string> Texts => _texts.ToDictionary(t => t.Key, t => t.Value.Content);

    public string? Text(string key) => _texts.TryGetValue(key, out var t) ? t.Content : null;

    private sealed class Upload(MemoryObjectStore store, string key) : IObjectUpload
    {
        public Stream Content { get; } = new MemoryStream();

        public Task CommitAsync(ObjectRecord record, CancellationToken cancellationToken)
        {
            store._objects[key] = (((MemoryStream)Content).ToArray(), record);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => Content.DisposeAsync();
    }
}
