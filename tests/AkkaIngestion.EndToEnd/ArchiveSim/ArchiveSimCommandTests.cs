using System.CommandLine;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Runtime.InteropServices;
using AkkaIngestion.Cli.Commands;
using Xunit;

namespace AkkaIngestion.EndToEnd.ArchiveSim;

public sealed class ArchiveSimCommandTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("akka-ingestion-sim-cli-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var command = new RootCommand { ArchiveSimCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await command.Parse(["archive-sim", .. args])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Generate_writes_the_hours_and_says_how_much()
    {
        var (exitCode, output, error) = await RunAsync("generate", "--root", root, "--from", "2024-02-29T22", "--to", "2024-03-01T01",
            "--size", "64KiB", "--missing", "2024-02-29T23,2024-03-01T00");

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Contains("wrote 2 files, 131072 bytes", output);
        Assert.Equal(["2024-02-29-22.json.gz", "2024-03-01-1.json.gz"],
            Directory.GetFiles(root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        await using var gzip = new GZipStream(File.OpenRead(Path.Combine(root, "2024-03-01-1.json.gz")), CompressionMode.Decompress);
        await gzip.CopyToAsync(Stream.Null);
    }

    [Theory]
    [InlineData("is before --from 2024-03-01T00", "generate", "--root", "{root}", "--from", "2024-03-01T00", "--to", "2024-02-29T23")]
    [InlineData("'2024-02-30T00' is not an hour", "generate", "--root", "{root}", "--from", "2024-02-30T00", "--to", "2024-03-01T00")]
    [InlineData("--size", "generate", "--root", "{root}", "--from", "2024-03-01T00", "--to", "2024-03-01T00", "--size", "lots")]
    [InlineData("--missing", "generate", "--root", "{root}", "--from", "2024-03-01T00", "--to", "2024-03-01T00", "--missing", "yesterday")]
    [InlineData("--root is required", "generate", "--from", "2024-03-01T00", "--to", "2024-03-01T00")]
    [InlineData("--root is required")]
    [InlineData("does not exist", "--root", "{root}/nope")]
    [InlineData("fail rate 1.5 is outside 0..1", "--root", "{root}", "--fail-rate", "1.5")]
    [InlineData("reset rate -0.5 is outside 0..1", "--root", "{root}", "--reset-rate", "-0.5")]
    [InlineData("add up to more than 1", "--root", "{root}", "--fail-rate", "0.5", "--truncate-rate", "0.6")]
    [InlineData("--delay", "--root", "{root}", "--delay", "soon")]
    [InlineData("--rate-limit", "--root", "{root}", "--rate-limit", "fast")]
    [InlineData("not positive", "--root", "{root}", "--rate-limit", "0")]
    [InlineData("not an IP address", "--root", "{root}", "--bind", "localhost")]
    [InlineData("max faults per file -1 is negative", "--root", "{root}", "--max-faults-per-file", "-1")]
    public async Task Bad_input_is_one_line_on_stderr_and_exit_code_2(string problem, params string[] args)
    {
        var (exitCode, output, error) = await RunAsync(args.Select(arg => arg.Replace("{root}", root)).ToArray());

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith("akka-ingest archive-sim: ", error);
        Assert.Contains(problem, error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Serving_prints_one_line_with_the_url_and_stops_cleanly_on_sigterm()
    {
        File.WriteAllBytes(Path.Combine(root, "2015-01-01-15.json.gz"), [1, 2, 3]);
        var executable = Path.Combine(AppContext.BaseDirectory, "akka-ingest");
        using var process = Process.Start(new ProcessStartInfo(executable)
        {
            ArgumentList = { "archive-sim", "--root", root, "--port", "0" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.NotNull(line);
            Assert.StartsWith($"archive-sim serving {root} at http://127.0.0.1:", line);
            var baseUrl = new Uri(line[(line.IndexOf(" at ", StringComparison.Ordinal) + 4)..]);
            using var http = new HttpClient();
            Assert.Equal([1, 2, 3], await http.GetByteArrayAsync(new Uri(baseUrl, "2015-01-01-15.json.gz")));
            using var missing = await http.GetAsync(new Uri(baseUrl, "2015-01-01-16.json.gz"));
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

            Assert.Equal(0, kill(process.Id, Sigterm));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));

            Assert.Equal(0, process.ExitCode);
            Assert.Equal("", await process.StandardOutput.ReadToEndAsync());
            Assert.Equal("", await process.StandardError.ReadToEndAsync());
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    private const int Sigterm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
