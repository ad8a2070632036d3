using System.Net;

namespace AkkaIngestion.ArchiveSim;

/// <summary>A fault the simulator can inject into a GET.</summary>
public enum SimFault
{
    /// <summary>Answer 503 Service Unavailable.</summary>
    Fail,

    /// <summary>Announce the full Content-Length, send only part of the body, then abort the connection.</summary>
    Truncate,

    /// <summary>Abort the connection before any response.</summary>
    Reset,
}

/// <summary>How the archive simulator serves its directory and which faults it injects.</summary>
public sealed record ArchiveSimOptions
{
    /// <summary>Directory of hour files (flat); only plain file names directly inside it are served.</summary>
    public required string Root { get; init; }

    public string BindAddress { get; init; } = "127.0.0.1";

    /// <summary>0 lets the operating system pick a free port; <see cref="ArchiveSimServer.BaseUrl"/> tells which.</summary>
    public int Port { get; init; }

    /// <summary>Share of faultable GETs answered 503.</summary>
    public double FailRate { get; init; }

    /// <summary>Share of faultable GETs whose body is cut short.</summary>
    public double TruncateRate { get; init; }

    /// <summary>Share of faultable GETs whose connection is aborted before any response.</summary>
    public double ResetRate { get; init; }

    /// <summary>Wait before answering each GET and HEAD.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Body throttle applied to each response on its own; null sends as fast as the connection takes it.</summary>
    public long? RateLimitBytesPerSecond { get; init; }

    /// <summary>Only the first N GETs of a file can be faulted, so a client that retries always gets it eventually.</summary>
    public int MaxFaultsPerFile { get; init; } = 2;

    public int Seed { get; init; } = 1;

    /// <summary>Names the first thing wrong with these options, or returns null when they can be served.</summary>
    public string? FindProblem()
    {
        if (string.IsNullOrWhiteSpace(Root)) return "a root directory is required";
        if (!IPAddress.TryParse(BindAddress, out _)) return $"bind address '{BindAddress}' is not an IP address";
        if (Port is < 0 or > 65535) return $"port {Port} is outside 0..65535";
        foreach (var (name, rate) in new[] { ("fail rate", FailRate), ("truncate rate", TruncateRate), ("reset rate", ResetRate) })
        {
            if (!(rate is >= 0 and <= 1)) return $"{name} {rate} is outside 0..1";
        }
        if (FailRate + TruncateRate + ResetRate > 1) return "fail, truncate and reset rates add up to more than 1";
        if (Delay < TimeSpan.Zero) return $"delay {Delay} is negative";
        if (RateLimitBytesPerSecond is <= 0) return $"rate limit {RateLimitBytesPerSecond} bytes/s is not positive";
        if (MaxFaultsPerFile < 0) return $"max faults per file {MaxFaultsPerFile} is negative";
        return null;
    }

    /// <summary>
    /// The fault for the <paramref name="attempt"/>-th GET (1-based) of <paramref name="fileName"/>, or null to serve it.
    /// A pure function of (seed, name, attempt), so a file's fate does not depend on what else was requested before it.
    /// </summary>
    public SimFault? FaultFor(string fileName, long attempt)
    {
        if (attempt < 1 || attempt > MaxFaultsPerFile) return null;
        var draw = UnitInterval(Seed, fileName, attempt);
        if (draw < FailRate) return SimFault.Fail;
        if (draw < FailRate + TruncateRate) return SimFault.Truncate;
        if (draw < FailRate + TruncateRate + ResetRate) return SimFault.Reset;
        return null;
    }

    // string.GetHashCode is randomised per process; this hash is stable across runs and machines.
    private static double UnitInterval(int seed, string fileName, long attempt)
    {
        var hash = SplitMix((ulong)(uint)seed);
        foreach (var c in fileName) hash = SplitMix(hash ^ c);
        hash = SplitMix(hash ^ (ulong)attempt);
        return (hash >> 11) * (1.0 / (1UL << 53));
    }

    private static ulong SplitMix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
