using System.Diagnostics;
using System.Text.Json;
using AkkaIngestion.Aws;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using Xunit;

namespace AkkaIngestion.EndToEnd.Aws.Fauxqs;

/// <summary>
/// One fauxqs process (S3 and SQS on one port) for the whole collection: installed from npm once per machine into
/// &lt;repo&gt;/.tools/fauxqs, bound to 127.0.0.1 on a free port, S3 objects and the SQS database in a temporary folder,
/// stopped on dispose. A test may stop and start it in place (same port, same S3 files) to play an outage.
/// </summary>
public sealed class FauxqsServer : IAsyncLifetime
{
    public const string FauxqsVersion = "2.4.1";
    public const string NodeMajor = "22";
    public const string Region = "us-east-1";

    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly List<string> _output = [];
    private Process? _process;
    private string _workDir = "";
    private string _toolDir = "";

    public int Port { get; private set; }

    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    /// <summary>fauxqs's file-based S3 storage (FAUXQS_S3_STORAGE_DIR): buckets/ and _multipart/.</summary>
    public string S3StorageDir => Path.Combine(_workDir, "s3");

    public AwsClientSettings ClientSettings => new(ServiceUrl, Region, new BasicAWSCredentials("test", "test"));

    public IAmazonS3 CreateS3Client() => AwsClientFactory.CreateS3(ClientSettings);

    /// <summary>An S3 client whose conditional PUTs are enforced by <see cref="ConditionalWriteGate"/>, as S3 does.</summary>
    public IAmazonS3 CreateS3ClientWithConditionalWrites() => new AmazonS3Client(
        ClientSettings.Credentials,
        new AmazonS3Config
        {
            ServiceURL = ServiceUrl,
            AuthenticationRegion = Region,
            ForcePathStyle = true,
            HttpClientFactory = new ConditionalWriteGate(),
        });

    public IAmazonSQS CreateSqsClient() => AwsClientFactory.CreateSqs(ClientSettings);

    /// <summary>An SQS client that refuses deletes of bad receipt handles (<see cref="ReceiptHandleCheck"/>), as SQS does.</summary>
    public IAmazonSQS CreateSqsClientWithReceiptHandleCheck() => new AmazonSQSClient(
        ClientSettings.Credentials,
        new AmazonSQSConfig { ServiceURL = ServiceUrl, AuthenticationRegion = Region, HttpClientFactory = new ReceiptHandleCheck() });

    /// <summary>Process id, so a test can check what the process listens on.</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("fauxqs is not running");

    /// <summary>
    /// Keep SQS state (queues, messages in every state) in SQLite, so a restart keeps it as AWS would through an outage;
    /// otherwise a restart loses every queue. Off for the shared server: fauxqs 2.4.1 then fails every
    /// ChangeMessageVisibility to 0 (it writes a NULL receive count: "NOT NULL constraint failed").
    /// </summary>
    public bool PersistSqs { get; init; }

    private string SqsDataDir => Path.Combine(_workDir, "sqs");

    public async Task InitializeAsync()
    {
        _toolDir = Path.Combine(RepositoryRoot(), ".tools", "fauxqs");
        await EnsureInstalledAsync(_toolDir);
        _workDir = Directory.CreateTempSubdirectory("fauxqs-").FullName;
        Directory.CreateDirectory(S3StorageDir);
        Directory.CreateDirectory(SqsDataDir);
        Port = LoopbackPorts.Free();
        await StartAsync();
    }

    /// <summary>Kills the server the way a crash or an outage would; <see cref="StartAsync"/> brings it back.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process) return;
        _process = null;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(exited.Token);
        }
        process.Dispose();
    }

    /// <summary>(Re)starts the server on the same port with the same S3 files and SQS database, and waits until it answers.</summary>
    public async Task StartAsync()
    {
        if (_process is not null) throw new InvalidOperationException("fauxqs is already running");
        var start = new ProcessStartInfo(Path.Combine(_toolDir, "node_modules", ".bin", "node"))
        {
            ArgumentList =
            {
                "--import", new Uri(Path.Combine(AppContext.BaseDirectory, "Aws", "Fauxqs", "loopback-only.mjs")).AbsoluteUri,
                Path.Combine(_toolDir, "node_modules", "fauxqs", "dist", "server.js"),
            },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _workDir,
            Environment =
            {
                ["FAUXQS_PORT"] = Port.ToString(),
                ["FAUXQS_S3_STORAGE_DIR"] = S3StorageDir,
                ["FAUXQS_DEFAULT_REGION"] = Region,
                ["FAUXQS_LOGGER"] = "false",
            },
        };
        if (PersistSqs)
        {
            start.Environment["FAUXQS_DATA_DIR"] = SqsDataDir;
            start.Environment["FAUXQS_PERSISTENCE"] = "true";
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start node for fauxqs");
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilHealthyAsync();
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        if (_workDir.Length > 0 && Directory.Exists(_workDir)) Directory.Delete(_workDir, recursive: true);
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"fauxqs exited with code {_process.ExitCode} on start:\n{Output()}");
            try
            {
                using var response = await http.GetAsync($"{ServiceUrl}/health");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but not answering yet.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"fauxqs did not answer {ServiceUrl}/health within {StartTimeout.TotalSeconds} s:\n{Output()}");
    }

    private static async Task EnsureInstalledAsync(string toolDir)
    {
        Directory.CreateDirectory(toolDir);
        // Test runs of several projects may start at once; one installs, the others wait for it.
        await using var installLock = await LockAsync(Path.Combine(toolDir, ".install.lock"));
        if (IsInstalled(toolDir)) return;
        var npm = new ProcessStartInfo("npm")
        {
            ArgumentList = { "install", "--prefix", toolDir, "--no-audit", "--no-fund", $"node@{NodeMajor}", $"fauxqs@{FauxqsVersion}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(npm) ?? throw new InvalidOperationException("could not start npm (is Node.js installed?)");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(InstallTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"npm install of fauxqs into {toolDir} took longer than {InstallTimeout.TotalMinutes} min");
        }
        if (process.ExitCode != 0 || !IsInstalled(toolDir))
            throw new InvalidOperationException(
                $"npm install of node@{NodeMajor} fauxqs@{FauxqsVersion} into {toolDir} failed (exit {process.ExitCode}):\n{await stdout}\n{await stderr}");
    }

    private static bool IsInstalled(string toolDir)
    {
        var modules = Path.Combine(toolDir, "node_modules");
        return PackageVersion(Path.Combine(modules, "fauxqs")) == FauxqsVersion
               && PackageVersion(Path.Combine(modules, "node"))?.StartsWith(NodeMajor + ".", StringComparison.Ordinal) == true
               && File.Exists(Path.Combine(modules, ".bin", "node"));
    }

    private static string? PackageVersion(string packageDir)
    {
        var manifest = Path.Combine(packageDir, "package.json");
        if (!File.Exists(manifest)) return null;
        using var document = JsonDocument.Parse(File.ReadAllText(manifest));
        return document.RootElement.TryGetProperty("version", out var version) ? version.GetString() : null;
    }

    private static async Task<FileStream> LockAsync(string path)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < InstallTimeout)
            {
                await Task.Delay(250);
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AkkaIngestion.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no AkkaIngestion.sln above {AppContext.BaseDirectory}");
    }

    private void Remember(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > 200) _output.RemoveAt(0);
        }
    }

    private string Output()
    {
        lock (_output) return string.Join('\n', _output);
    }
}

[CollectionDefinition(Name)]
public sealed class FauxqsCollection : ICollectionFixture<FauxqsServer>
{
    public const string Name = "fauxqs";
}
