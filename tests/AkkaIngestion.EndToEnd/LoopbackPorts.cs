using System.Net;
using System.Net.Sockets;

namespace AkkaIngestion.EndToEnd;

/// <summary>Loopback ports for the processes the tests start, and for endpoints that must refuse connections.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port nothing listens on at the moment it is returned.</summary>
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
