using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using AkkaIngestion.ArchiveSim;
using Xunit;

namespace AkkaIngestion.Tests.ArchiveSim;

public sealed class ArchiveSimServerTests : IDisposable
{
    private const string FileName = "2024-02-29-23.json.gz";
    private const string Secret = "outside-the-root-secret";
    private readonly TemporaryDirectory temp = new();
    private readonly string root;
    private readonly byte[] content;

    public ArchiveSimServerTests()
    {
        root = temp.Combine("root");
        Directory.CreateDirectory(root);
        content = new byte[300_000];
        new Random(7).NextBytes(content);
        File.WriteAllBytes(Path.Combine(root, FileName), content);
        File.WriteAllText(temp.Combine("secret.txt"), Secret);
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        File.WriteAllText(Path.Combine(root, "sub", "inner.txt"), Secret);
        File.WriteAllText(Path.Combine(root, ".hidden"), Secret);
    }

    public void Dispose() => temp.Dispose();

    private Task<ArchiveSimServer> StartAsync() => ArchiveSimServer.StartAsync(new ArchiveSimOptions { Root = root });

    [Fact]
    public async Task Base_url_is_loopback_on_the_port_the_system_picked()
    {
        await using var server = await StartAsync();

        Assert.Equal("127.0.0.1", server.BaseUrl.Host);
        Assert.NotEqual(0, server.BaseUrl.Port);
        Assert.Equal("/", server.BaseUrl.AbsolutePath);
        Assert.EndsWith("/", server.BaseUrl.ToString());
    }

    [Fact]
    public async Task Get_returns_the_file_with_length_validators_and_range_support()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(server.BaseUrl, FileName));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(content.Length, response.Content.Headers.ContentLength);
        Assert.NotNull(response.Headers.ETag);
        Assert.Equal(new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(root, FileName))).ToUnixTimeSeconds(),
            response.Content.Headers.LastModified!.Value.ToUnixTimeSeconds());
        Assert.Contains("bytes", response.Headers.AcceptRanges);
        Assert.Equal(1, server.Stats.Gets);
        Assert.Equal(1, server.Stats.GetsOf(FileName));
        Assert.Equal(content.Length, server.Stats.BytesSent);
        Assert.Equal(0, server.Stats.Heads);
    }

    [Fact]
    public async Task Head_announces_the_same_headers_without_a_body_and_is_not_counted_as_a_get()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(server.BaseUrl, FileName)));
        using var get = await http.GetAsync(new Uri(server.BaseUrl, FileName));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(content.Length, head.Content.Headers.ContentLength);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, server.Stats.Heads);
        Assert.Equal(1, server.Stats.Gets);
        Assert.Equal(content.Length, server.Stats.BytesSent);
    }

    [Theory]
    [InlineData(10L, 19L, 10, 10)]
    [InlineData(299_990L, null, 299_990, 10)]
    [InlineData(299_990L, 400_000L, 299_990, 10)]
    [InlineData(null, 25L, 299_975, 25)]
    [InlineData(null, 1_000_000L, 0, 300_000)]
    public async Task A_single_range_is_answered_206_with_that_slice(long? from, long? to, int expectedOffset, int expectedCount)
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseUrl, FileName));
        request.Headers.Range = new RangeHeaderValue(from, to);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(content.AsSpan(expectedOffset, expectedCount).ToArray(), await response.Content.ReadAsByteArrayAsync());
        var range = response.Content.Headers.ContentRange!;
        Assert.Equal((expectedOffset, expectedOffset + expectedCount - 1, content.Length), (range.From, range.To, range.Length));
    }

    [Theory]
    [InlineData(300_000L, null)]
    [InlineData(500_000L, 600_000L)]
    [InlineData(null, 0L)]
    public async Task An_unsatisfiable_range_is_answered_416(long? from, long? to)
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseUrl, FileName));
        request.Headers.Range = new RangeHeaderValue(from, to);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal(content.Length, response.Content.Headers.ContentRange!.Length);
    }

    [Fact]
    public async Task A_missing_file_is_404_for_get_and_head_and_still_counted_per_name()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        var url = new Uri(server.BaseUrl, "2024-03-01-0.json.gz");

        using var get = await http.GetAsync(url);
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Equal(2, server.Stats.NotFound);
        Assert.Equal(1, server.Stats.GetsOf("2024-03-01-0.json.gz"));
    }

    [Theory]
    [InlineData("/..%2fsecret.txt")]
    [InlineData("/%2e%2e/secret.txt")]
    [InlineData("/%2e%2e%2fsecret.txt")]
    [InlineData("/../secret.txt")]
    [InlineData("/./../secret.txt")]
    [InlineData("/sub/inner.txt")]
    [InlineData("/sub%2finner.txt")]
    [InlineData("/sub")]
    [InlineData("/.hidden")]
    [InlineData("/%2ehidden")]
    [InlineData("//secret.txt")]
    [InlineData("/..\\secret.txt")]
    [InlineData("/..%5csecret.txt")]
    [InlineData("http://127.0.0.1:{port}/../secret.txt")]
    [InlineData("http://127.0.0.1:{port}/%2e%2e/secret.txt")]
    [InlineData("http://127.0.0.1:{port}/sub/inner.txt")]
    public async Task Anything_but_a_plain_file_name_in_the_root_is_404(string target)
    {
        await using var server = await StartAsync();

        var (statusLine, response) = await RawGetAsync(server.BaseUrl, target.Replace("{port}", server.BaseUrl.Port.ToString()));

        Assert.StartsWith("HTTP/1.1 404", statusLine);
        Assert.DoesNotContain(Secret, response);
    }

    [Fact]
    public async Task The_root_lists_plain_file_names_only()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        var listing = await http.GetStringAsync(server.BaseUrl);

        Assert.Equal(FileName + "\n", listing);
    }

    [Fact]
    public async Task Other_methods_are_405()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(server.BaseUrl, FileName), new ByteArrayContent([1]));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(0, server.Stats.Gets);
    }

    [Fact]
    public async Task Peak_concurrency_counts_gets_that_are_being_answered_at_the_same_time()
    {
        await using var server = await ArchiveSimServer.StartAsync(
            new ArchiveSimOptions { Root = root, RateLimitBytesPerSecond = 1024 });
        using var http = new HttpClient();
        var url = new Uri(server.BaseUrl, FileName);

        // Headers arrive while the throttled bodies are still being sent, so all five are in flight at once.
        var responses = await Task.WhenAll(Enumerable.Range(0, 5)
            .Select(_ => http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead)));
        Assert.Equal(5, server.Stats.GetsInFlight);
        Assert.Equal(5, server.Stats.PeakConcurrentGets);

        foreach (var response in responses) response.Dispose();
        await WaitUntilAsync(() => server.Stats.GetsInFlight == 0);
        Assert.Equal(5, server.Stats.PeakConcurrentGets);
        Assert.Equal(5, server.Stats.GetsOf(FileName));
    }

    [Fact]
    public async Task Gets_one_after_the_other_never_count_as_concurrent()
    {
        File.WriteAllBytes(Path.Combine(root, "empty.json.gz"), []);
        await using var server = await StartAsync();
        // Two connections taking turns: the next GET arrives on the other connection the moment the last byte is in,
        // possibly before the previous request's handler has unwound.
        using var first = new HttpClient();
        using var second = new HttpClient();

        for (var i = 0; i < 100; i++)
        {
            var http = i % 2 == 0 ? first : second;
            Assert.Equal(content.Length, (await http.GetByteArrayAsync(new Uri(server.BaseUrl, FileName))).Length);
            Assert.Empty(await http.GetByteArrayAsync(new Uri(server.BaseUrl, "empty.json.gz")));
        }

        Assert.Equal(1, server.Stats.PeakConcurrentGets);
        Assert.Equal(200, server.Stats.Gets);
    }

    [Fact]
    public async Task The_rate_limit_paces_each_body()
    {
        await using var server = await ArchiveSimServer.StartAsync(
            new ArchiveSimOptions { Root = root, RateLimitBytesPerSecond = 1_000_000 });
        using var http = new HttpClient();
        var started = System.Diagnostics.Stopwatch.StartNew();

        var body = await http.GetByteArrayAsync(new Uri(server.BaseUrl, FileName));

        Assert.Equal(content, body);
        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(0.25), $"300 kB at 1 MB/s took only {started.Elapsed}");
    }

    [Fact]
    public async Task The_delay_holds_every_answer()
    {
        await using var server = await ArchiveSimServer.StartAsync(
            new ArchiveSimOptions { Root = root, Delay = TimeSpan.FromMilliseconds(300) });
        using var http = new HttpClient();
        var started = System.Diagnostics.Stopwatch.StartNew();

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(server.BaseUrl, FileName)));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(290), $"answered after {started.Elapsed}");
    }

    [Fact]
    public async Task Stopping_cuts_a_throttled_download_instead_of_waiting_for_it()
    {
        var server = await ArchiveSimServer.StartAsync(new ArchiveSimOptions { Root = root, RateLimitBytesPerSecond = 1000 });
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(server.BaseUrl, FileName), HttpCompletionOption.ResponseHeadersRead);
        var started = System.Diagnostics.Stopwatch.StartNew();

        await server.DisposeAsync();

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {started.Elapsed}");
        await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData(-0.1, 0, 0)]
    [InlineData(0, 1.5, 0)]
    [InlineData(0, 0, double.NaN)]
    [InlineData(0.5, 0.3, 0.3)]
    public async Task Rates_outside_0_to_1_are_refused(double fail, double truncate, double reset)
    {
        var options = new ArchiveSimOptions { Root = root, FailRate = fail, TruncateRate = truncate, ResetRate = reset };

        Assert.NotNull(options.FindProblem());
        await Assert.ThrowsAsync<ArgumentException>(() => ArchiveSimServer.StartAsync(options));
    }

    [Fact]
    public async Task A_root_that_does_not_exist_is_refused()
    {
        await Assert.ThrowsAsync<DirectoryNotFoundException>(() =>
            ArchiveSimServer.StartAsync(new ArchiveSimOptions { Root = temp.Combine("nope") }));
    }

    /// <summary>HttpClient normalises dot segments and encodings away; a raw request line sends exactly what an attacker would.</summary>
    private static async Task<(string StatusLine, string Response)> RawGetAsync(Uri baseUrl, string target)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(baseUrl.Host, baseUrl.Port);
        await using var stream = client.GetStream();
        var request = $"GET {target} HTTP/1.1\r\nHost: {baseUrl.Authority}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return (response.Split("\r\n")[0], response);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met within 10 s");
            await Task.Delay(10);
        }
    }
}
