using System.Runtime.CompilerServices;
using AkkaIngestion.Downloading;
using AkkaIngestion.Feeds;
using AkkaIngestion.Sources;

namespace AkkaIngestion.Storage;

/// <summary>One finding of <see cref="StoreVerification"/>: a file and, when something is wrong with it, what.</summary>
public sealed record VerifiedFile(string FileName, long Size, string? Problem)
{
    public bool IsGood => Problem is null;
}

/// <summary>
/// Re-reads a feed's stored files and checks each against its record (size, sha256) and as complete gzip; with a
/// source, also checks that every hour the source has is stored, at the size the source announces.
/// </summary>
public static class StoreVerification
{
    private static readonly TimeSpan ReadStallTimeout = TimeSpan.FromMinutes(1);

    public static async IAsyncEnumerable<VerifiedFile> VerifyAsync(
        IObjectStore store,
        FeedDefinition feed,
        DateTime? from,
        DateTime? to,
        IArchiveSource? source,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefix = feed.ObjectKey("");
        var stored = new Dictionary<DateTime, StoredObject>();
        await foreach (var item in store.ListAsync(prefix, cancellationToken))
        {
            var name = item.Key[prefix.Length..];
            if (!feed.Naming.TryParse(name, out var hour))
            {
                yield return new VerifiedFile(name, item.Size, $"not a {feed.Id} file name; not written by this tool");
                continue;
            }
            if ((from is null || hour >= from) && (to is null || hour <= to)) stored[hour] = item;
        }

        foreach (var (hour, item) in stored.OrderBy(p => p.Key))
            yield return await VerifyObjectAsync(store, feed.Naming.NameOf(hour), item, cancellationToken);

        if (source is null || stored.Count == 0 && (from is null || to is null)) yield break;
        var first = from ?? stored.Keys.Min();
        var last = to ?? stored.Keys.Max();
        foreach (var hour in ArchiveHour.Range(first, last))
        {
            var name = feed.Naming.NameOf(hour);
            var probe = await source.ProbeAsync(feed, name, cancellationToken);
            if (probe.Outcome == ProbeOutcome.Missing) continue;
            if (!stored.TryGetValue(hour, out var item))
                yield return new VerifiedFile(name, 0, "the source has it but the store does not");
            else if (probe.Length is { } length && length != item.Size)
                yield return new VerifiedFile(name, item.Size, $"the source announces {length} bytes, the store holds {item.Size}");
        }
    }

    private static async Task<VerifiedFile> VerifyObjectAsync(IObjectStore store, string name, StoredObject item, CancellationToken cancellationToken)
    {
        if (item.Record is not { } record)
            return new VerifiedFile(name, item.Size, "no size/sha256 record beside it (an interrupted write?)");
        VerifiedCopy copy;
        try
        {
            await using var content = await store.OpenReadAsync(item.Key, cancellationToken);
            copy = await VerifyingCopy.CopyAsync(content, record.Size, Stream.Null, ReadStallTimeout, cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return new VerifiedFile(name, item.Size, e.Message);
        }
        if (copy.Sha256 != record.Sha256)
            return new VerifiedFile(name, item.Size, $"sha256 {copy.Sha256} differs from the recorded {record.Sha256}");
        return new VerifiedFile(name, item.Size, null);
    }
}
