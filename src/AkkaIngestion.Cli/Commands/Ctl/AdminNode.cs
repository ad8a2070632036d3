namespace AkkaIngestion.Cli.Commands.Ctl;

/// <summary>Where a node's admin endpoint listens, as given to --node: host:port (an http:// URL is accepted too).</summary>
public sealed record AdminNode(string Display, Uri BaseUrl)
{
    public const string Default = "127.0.0.1:9110";

    public static bool TryParse(string? text, out AdminNode node, out string error)
    {
        node = null!;
        error = "";
        var trimmed = text?.Trim() ?? "";
        var hasScheme = trimmed.Contains("://", StringComparison.Ordinal);
        // Without a scheme the port must be written out: a bare host would silently mean port 80.
        var hasPort = hasScheme || trimmed[(trimmed.LastIndexOf(']') + 1)..].Contains(':', StringComparison.Ordinal);
        if (!hasPort || !Uri.TryCreate(hasScheme ? trimmed : "http://" + trimmed, UriKind.Absolute, out var url)
            || url.Scheme is not ("http" or "https") || url.Host.Length == 0 || url.AbsolutePath != "/")
        {
            error = $"--node '{text}' is not host:port, e.g. {Default}";
            return false;
        }
        node = new AdminNode(url.Authority, new Uri(url.GetLeftPart(UriPartial.Authority) + "/"));
        return true;
    }

    public override string ToString() => Display;
}
