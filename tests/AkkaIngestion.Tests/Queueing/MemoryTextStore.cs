using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AkkaIngestion.Storage;

namespace AkkaIngestion.Tests.Queueing;

/// <summary>Just the small-text part of a store, which is all the bridge uses; can be told to fail writes.</summary>
internal sealed class MemoryTextStore : IObjectStore
{
    private readonly ConcurrentDictionary<string, string> _texts = new(StringComparer.Ordinal);

    public string Location => "memory (test)";

    public bool FailWrites { get; set; }

    public IReadOnlyDictionary<string, string> Texts => _texts;

    public Task WriteTextAsync(string key, string content, CancellationToken cancellationToken)
    {
        if (FailWrites) throw new StoreUnavailableException("the test store refuses writes");
        _texts[key] = content;
        return Task.CompletedTask;
    }

    public Task<VersionedText?> ReadTextAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_texts.TryGetValue(key, out var content) ? new VersionedText(content, "1") : null);

#pragma warning disable CS1998 // an async iterator with nothing to await
    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
#pragma warning restore CS1998
    {
        foreach (var (key, content) in _texts.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            if (key.StartsWith(prefix, StringComparison.Ordinal)) yield return new StoredObject(key, content.Length, null);
    }

    public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<ObjectRecord?> GetRecordAsync(string key, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IObjectUpload> BeginUploadAsync(string key, long? expectedLength, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<string?> TryWriteTextAsync(string key, string content, string? expectedVersion, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        _texts.TryRemove(key, out _);
        return Task.CompletedTask;
    }
}
