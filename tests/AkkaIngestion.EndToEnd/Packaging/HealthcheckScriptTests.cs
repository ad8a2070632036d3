using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.EndToEnd.Admin;

namespace AkkaIngestion.EndToEnd.Packaging;

/// <summary>
/// docker/healthcheck.sh, the image's HEALTHCHECK, run with bash against a one-request HTTP listener on loopback standing
/// in for a node's admin endpoint, and against a real node's.
/// </summary>
public sealed class HealthcheckScriptTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Healthy_when_healthz_answers_200_and_the_token_is_sent_trimmed()
    {
        using var endpoint = new OneRequestEndpoint("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok");
        var exitCode = await RunAsync(endpoint.Port, token: "  s3cret \n");
        var request = await endpoint.Request;
        Assert.Equal(0, exitCode);
        Assert.StartsWith("GET /healthz HTTP/1.1\r\n", request);
        Assert.Contains("\r\nAuthorization: Bearer s3cret\r\n", request);
    }

    [Fact]
    public async Task Sends_no_authorization_when_no_token_is_set()
    {
        using var endpoint = new OneRequestEndpoint("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        Assert.Equal(0, await RunAsync(endpoint.Port, token: null));
        Assert.DoesNotContain("Authorization", await endpoint.Request);
    }

    [Fact]
    public async Task Unhealthy_when_the_endpoint_refuses_the_request()
    {
        using var endpoint = new OneRequestEndpoint("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
        Assert.NotEqual(0, await RunAsync(endpoint.Port, token: "wrong"));
    }

    [Fact]
    public async Task Unhealthy_when_nothing_listens()
    {
        Assert.NotEqual(0, await RunAsync(LoopbackPorts.Free(), token: null));
    }

    [Fact]
    public async Task Healthy_against_a_real_node_only_with_its_token()
    {
        using var temp = new TempDirectory();
        // An archive with no hours yet: the node only polls its live edge, and stops at once when asked.
        await using var archive = await ArchiveSimServer.StartAsync(new ArchiveSimOptions { Root = temp.Sub("archive") });
        var environment = new Dictionary<string, string> { ["AKKA_INGEST_ADMIN_TOKEN"] = "node-token" };
        await using var node = await LiveNode.StartAsync(temp.Path, environment,
            "--source", archive.BaseUrl.ToString(), "--store", temp.Sub("data"), "--poll-interval", "1s");
        Assert.Equal(0, await RunAsync(node.Admin.Port, token: "node-token"));
        Assert.NotEqual(0, await RunAsync(node.Admin.Port, token: "another-token"));
    }

    private static async Task<int> RunAsync(int port, string? token)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(RepositoryFiles.PathOf("docker/healthcheck.sh"));
        info.ArgumentList.Add(port.ToString());
        if (token is null) info.Environment.Remove("AKKA_INGEST_ADMIN_TOKEN");
        else info.Environment["AKKA_INGEST_ADMIN_TOKEN"] = token;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"healthcheck.sh did not finish within {Timeout}: {await output}{await error}");
        }
        await Task.WhenAll(output, error);
        return process.ExitCode;
    }

    /// <summary>Accepts one connection on a free loopback port, records the request head and sends a canned answer.</summary>
    private sealed class OneRequestEndpoint : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public OneRequestEndpoint(string response)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            Request = AnswerOnceAsync(response);
        }

        public int Port { get; }

        public Task<string> Request { get; }

        private async Task<string> AnswerOnceAsync(string response)
        {
            using var deadline = new CancellationTokenSource(Timeout);
            using var client = await _listener.AcceptTcpClientAsync(deadline.Token);
            var stream = client.GetStream();
            var received = new StringBuilder();
            var buffer = new byte[1024];
            while (!received.ToString().Contains("\r\n\r\n"))
            {
                var read = await stream.ReadAsync(buffer, deadline.Token);
                if (read == 0) break;
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response), deadline.Token);
            return received.ToString();
        }

        public void Dispose() => _listener.Stop();
    }
}
