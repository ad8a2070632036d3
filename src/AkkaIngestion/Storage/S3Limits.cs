namespace AkkaIngestion.Storage;

/// <summary>S3's multipart rules, and the part size that follows from them for an expected length.</summary>
internal static class S3Limits
{
    public const int MinPartSize = 5 * 1024 * 1024;
    public const int MaxParts = 10_000;
    private const int MiB = 1024 * 1024;

    // Largest part an ArrayPool buffer (and so one in-memory part) may be; S3 itself allows 5 GiB.
    public const int MaxPartSize = 1024 * MiB;

    public static int ChoosePartSize(long? expectedLength, int defaultPartSize)
    {
        if (expectedLength is not { } length || length <= (long)defaultPartSize * MaxParts) return defaultPartSize;
        var needed = (length + MaxParts - 1) / MaxParts;
        var roundedToMiB = (needed + MiB - 1) / MiB * MiB;
        if (roundedToMiB > MaxPartSize)
            throw new ArgumentOutOfRangeException(nameof(expectedLength), expectedLength,
                $"an object of {length} bytes needs parts above {MaxPartSize / MiB} MiB, more than one upload may hold in memory");
        return (int)roundedToMiB;
    }
}
