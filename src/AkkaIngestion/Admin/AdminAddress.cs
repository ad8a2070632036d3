using System.Net;
using AkkaIngestion.Hosting;

namespace AkkaIngestion.Admin;

/// <summary>Where the admin endpoint listens and who may use it.</summary>
/// <param name="EndPoint">Null when the endpoint is off.</param>
/// <param name="Token">Bearer token every request must carry; null when none is set (then only loopback is allowed).</param>
/// <param name="IsDefault">The address was not chosen by the user: a busy port then only warns.</param>
public sealed record AdminAddress(IPEndPoint? EndPoint, string? Token, bool IsDefault)
{
    public const string TokenVariable = "AKKA_INGEST_ADMIN_TOKEN";

    /// <summary>Parses --admin; a bad address or a non-loopback one without a token is a configuration error.</summary>
    public static AdminAddress Parse(string? text, string? token, bool isDefault)
    {
        token = string.IsNullOrWhiteSpace(token) ? null : token.Trim();
        if (string.Equals(text?.Trim(), "off", StringComparison.OrdinalIgnoreCase)) return new AdminAddress(null, token, isDefault);
        if (!IPEndPoint.TryParse(text ?? "", out var endPoint) || text!.IndexOf(':') < 0)
            throw new BackendConfigurationException($"--admin '{text}': expected HOST:PORT with an IP address (e.g. 127.0.0.1:9110) or 'off'");
        if (!IPAddress.IsLoopback(endPoint.Address) && token is null)
            throw new BackendConfigurationException(
                $"--admin {text} is reachable from other machines: set {TokenVariable} so that every request needs it, or bind 127.0.0.1");
        return new AdminAddress(endPoint, token, isDefault);
    }

    /// <summary>Whether nothing listens on <see cref="EndPoint"/> now (port 0 is always free).</summary>
    public bool IsFree()
    {
        if (EndPoint is null || EndPoint.Port == 0) return true;
        try
        {
            using var probe = new System.Net.Sockets.TcpListener(EndPoint);
            probe.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
