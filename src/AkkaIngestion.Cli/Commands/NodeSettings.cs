using System.CommandLine;
using AkkaIngestion.Feeds;
using AkkaIngestion.Hosting;
using Microsoft.Extensions.Configuration;

namespace AkkaIngestion.Cli.Commands;

/// <summary>
/// Options shared by the verbs and how a node's settings are layered: defaults (<see cref="IngestionOptions"/>), then
/// the "AkkaIngest" section of --config or ./appsettings.json, then AKKA_INGEST__* environment variables, then flags.
/// </summary>
internal static class NodeSettings
{
    public static readonly Option<string?> Config = new("--config")
    {
        Description = "Settings file (JSON, section \"AkkaIngest\"); default ./appsettings.json when present",
    };

    public static readonly Option<string?> Store = new("--store")
    {
        Description = "Where files go: a directory (default ./data) or s3://bucket[/prefix]",
    };

    public static readonly Option<string?> Source = new("--source")
    {
        Description = "Base URL of the archive (default https://data.gharchive.org/)",
    };

    public static readonly Option<string?> From = new("--from")
    {
        Description = "First hour, yyyy-MM-ddTHH in UTC",
    };

    public static readonly Option<string?> To = new("--to")
    {
        Description = "Last hour (inclusive), yyyy-MM-ddTHH in UTC",
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print JSON for scripts instead of a table",
    };

    /// <summary>Settings from file and environment, before flags; a value that does not bind is a usage error.</summary>
    public static IngestionOptions Load(ParseResult parsed)
    {
        var configFile = parsed.GetValue(Config);
        if (configFile is not null && !File.Exists(configFile))
            throw new UsageException($"--config '{configFile}' does not exist");
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.GetFullPath(configFile ?? "appsettings.json"), optional: configFile is null)
            .AddEnvironmentVariables("AKKA_INGEST__")
            .Build();
        var options = new IngestionOptions();
        try
        {
            configuration.GetSection(IngestionOptions.Section).Bind(options);
            configuration.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"configuration: {e.GetBaseException().Message}");
        }
        if (parsed.GetValue(Store) is { } store) options.Store = store;
        if (parsed.GetValue(Source) is { } source) options.Source = source;
        return options;
    }

    public static Uri SourceUrl(IngestionOptions options)
    {
        if (!Uri.TryCreate(options.Source, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Host.Length == 0)
            throw new UsageException($"--source '{options.Source}' is not an http(s) URL");
        return url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
    }

    public static (DateTime? From, DateTime? To) Range(ParseResult parsed)
    {
        var from = Hour(parsed.GetValue(From), "--from");
        var to = Hour(parsed.GetValue(To), "--to");
        if (from is { } f && to is { } t && t < f)
            throw new UsageException($"--to {ArchiveHour.Display(t)} is before --from {ArchiveHour.Display(f)}");
        return (from, to);
    }

    private static DateTime? Hour(string? text, string option)
    {
        if (text is null) return null;
        if (!ArchiveHour.TryParse(text, out var hour, out var error)) throw new UsageException($"{option}: {error}");
        return hour;
    }
}

/// <summary>Bad options or configuration: reported as one line, exit code 2, nothing done.</summary>
internal sealed class UsageException(string message) : Exception(message);
