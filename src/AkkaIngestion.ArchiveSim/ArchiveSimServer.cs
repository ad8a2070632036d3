using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AkkaIngestion.ArchiveSim;

/// <summary>
/// A local stand-in for data.gharchive.org: serves the hour files of one directory over HTTP/1.1 with Range support and
/// deterministic, capped fault injection. Start it on port 0 and read <see cref="BaseUrl"/>.
/// </summary>
public sealed class ArchiveSimServer : IAsyncDisposable
{
    /// <summary>Long throttled downloads must not hold up a test's teardown; after this they are cut.</summary>
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(1);

    private readonly WebApplication app;
    private readonly Lazy<Task> stopping;

    private ArchiveSimServer(WebApplication app, ArchiveSimOptions options, string root, Uri baseUrl, ArchiveSimStats stats)
    {
        this.app = app;
        Options = options;
        Root = root;
        BaseUrl = baseUrl;
        Stats = stats;
        stopping = new Lazy<Task>(() => app.StopAsync());
    }

    public ArchiveSimOptions Options { get; }

    /// <summary>The served directory as a full path.</summary>
    public string Root { get; }

    /// <summary>Where the files are, ending with '/': <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUrl { get; }

    public ArchiveSimStats Stats { get; }

    /// <exception cref="ArgumentException">The options name a problem (see <see cref="ArchiveSimOptions.FindProblem"/>).</exception>
    /// <exception cref="DirectoryNotFoundException">The root directory does not exist.</exception>
    public static async Task<ArchiveSimServer> StartAsync(ArchiveSimOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.FindProblem() is { } problem) throw new ArgumentException(problem, nameof(options));
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Root));
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"archive root {root} does not exist");
        var bindAddress = IPAddress.Parse(options.BindAddress);

        var stats = new ArchiveSimStats();
        var handler = new ArchiveSimRequestHandler(options, root, stats);
        // The empty builder reads no appsettings or ASPNETCORE_* variables, so the environment cannot move the port.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownGrace);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Clients under test read slowly on purpose (backpressure); Kestrel must not drop them for it.
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Listen(bindAddress, options.Port, listen => listen.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken);

        var boundPort = new Uri(app.Urls.Single()).Port;
        return new ArchiveSimServer(app, options, root, BuildBaseUrl(bindAddress, boundPort), stats);
    }

    public Task StopAsync() => stopping.Value;

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>A wildcard bind is reachable on loopback; that is the address clients on this machine should use.</summary>
    private static Uri BuildBaseUrl(IPAddress bindAddress, int port)
    {
        var host = bindAddress.Equals(IPAddress.Any) ? IPAddress.Loopback
            : bindAddress.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : bindAddress;
        return new UriBuilder(Uri.UriSchemeHttp, host.ToString(), port, "/").Uri;
    }
}
