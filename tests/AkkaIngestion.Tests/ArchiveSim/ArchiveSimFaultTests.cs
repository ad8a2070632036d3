using System.Net;
using AkkaIngestion.ArchiveSim;
using Xunit;

namespace AkkaIngestion.Tests.ArchiveSim;

public sealed class ArchiveSimFaultTests : IDisposable
{
    private const string FileName = "2015-01-01-15.json.gz";
    private readonly TemporaryDirectory root = new();
    private readonly byte[] content = new byte[200_000];

    public ArchiveSimFaultTests()
    {
        new Random(3).NextBytes(content);
        File.WriteAllBytes(root.Combine(FileName), content);
    }

    public void Dispose() => root.Dispose();

    private ArchiveSimOptions Options(double fail = 0, double truncate = 0, double reset = 0, int maxFaults = 2, int seed = 1) =>
        new() { Root = root.Path, FailRate = fail, TruncateRate = truncate, ResetRate = reset, MaxFaultsPerFile = maxFaults, Seed = seed };

    [Fact]
    public void The_fault_plan_depends_only_on_seed_name_and_attempt()
    {
        var options = Options(fail: 0.25, truncate: 0.25, reset: 0.25, maxFaults: 5);
        var names = Enumerable.Range(0, 200).Select(i => $"2020-01-{1 + i / 24:00}-{i % 24}.json.gz").ToList();

        var forwards = names.ToDictionary(n => n, n => Plan(options, n));
        var backwards = Enumerable.Reverse(names).ToDictionary(n => n, n => Plan(options, n));
        var sameSeedAgain = names.ToDictionary(n => n, n => Plan(options with { }, n));
        var otherSeed = names.ToDictionary(n => n, n => Plan(options with { Seed = 2 }, n));

        foreach (var name in names)
        {
            Assert.Equal(forwards[name], backwards[name]);
            Assert.Equal(forwards[name], sameSeedAgain[name]);
        }
        Assert.Contains(names, name => forwards[name] != otherSeed[name]);
        // Each kind turns up at roughly its rate (1000 draws, 250 expected), so the draw is spread over [0,1).
        var draws = names.SelectMany(name => Enumerable.Range(1, options.MaxFaultsPerFile)
            .Select(attempt => options.FaultFor(name, attempt)?.ToString() ?? "ok")).ToList();
        foreach (var kind in new[] { "Fail", "Truncate", "Reset", "ok" })
            Assert.InRange(draws.Count(outcome => outcome == kind), 180, 320);
    }

    [Fact]
    public void No_file_is_faulted_after_its_first_max_faults_gets()
    {
        var options = Options(fail: 0.5, truncate: 0.25, reset: 0.25, maxFaults: 3);

        Assert.All(Enumerable.Range(0, 100), i =>
        {
            var name = $"2020-02-01-{i}.json.gz";
            Assert.All(Enumerable.Range(1, 3), attempt => Assert.NotNull(options.FaultFor(name, attempt)));
            Assert.All(Enumerable.Range(4, 10), attempt => Assert.Null(options.FaultFor(name, attempt)));
        });
        Assert.Null(Options(fail: 1, maxFaults: 0).FaultFor(FileName, 1));
    }

    [Fact]
    public async Task The_server_injects_exactly_the_planned_faults_in_any_request_order()
    {
        var names = Enumerable.Range(0, 12).Select(i => $"2016-03-01-{i}.json.gz").ToList();
        foreach (var name in names) File.WriteAllBytes(root.Combine(name), content);
        var options = Options(fail: 0.25, truncate: 0.25, reset: 0.25, maxFaults: 3, seed: 42);

        var forwards = await ObserveAsync(options, names);
        var backwards = await ObserveAsync(options, Enumerable.Reverse(names).ToList());

        foreach (var name in names)
        {
            Assert.Equal(Plan(options, name), forwards[name]);
            Assert.Equal(forwards[name], backwards[name]);
        }
    }

    [Fact]
    public async Task A_truncated_body_is_shorter_than_its_announced_length()
    {
        await using var server = await ArchiveSimServer.StartAsync(Options(truncate: 1, maxFaults: 1));
        using var http = new HttpClient();

        using var response = await SendAsync(http, server);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content.Length, response.Content.Headers.ContentLength);
        var received = new MemoryStream();
        await using var body = await response.Content.ReadAsStreamAsync();
        await Assert.ThrowsAnyAsync<IOException>(() => body.CopyToAsync(received));
        Assert.InRange(received.Length, 0, content.Length - 1);
        Assert.Equal(content.AsSpan(0, (int)received.Length).ToArray(), received.ToArray());

        using var retry = await SendAsync(http, server);
        Assert.Equal(content, await retry.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, server.Stats.Faults(SimFault.Truncate));
        Assert.Equal(content.Length / 2 + content.Length, server.Stats.BytesSent);
    }

    [Fact]
    public async Task A_reset_aborts_the_connection_before_any_response()
    {
        await using var server = await ArchiveSimServer.StartAsync(Options(reset: 1, maxFaults: 1));
        using var http = new HttpClient();

        await Assert.ThrowsAsync<HttpRequestException>(() => SendAsync(http, server));

        using var retry = await SendAsync(http, server);
        Assert.Equal(content, await retry.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, server.Stats.Faults(SimFault.Reset));
        Assert.Equal(2, server.Stats.GetsOf(FileName));
    }

    [Fact]
    public async Task A_failure_is_a_503_and_the_retry_after_the_cap_succeeds()
    {
        await using var server = await ArchiveSimServer.StartAsync(Options(fail: 1, maxFaults: 2));
        using var http = new HttpClient();

        using var first = await SendAsync(http, server);
        using var second = await SendAsync(http, server);
        using var third = await SendAsync(http, server);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(content, await third.Content.ReadAsByteArrayAsync());
        Assert.Equal(2, server.Stats.Faults(SimFault.Fail));
        Assert.Equal(2, server.Stats.TotalFaults);
        Assert.Equal(3, server.Stats.Gets);
        Assert.Equal(0, server.Stats.GetsInFlight);
    }

    [Fact]
    public async Task Head_is_never_faulted()
    {
        await using var server = await ArchiveSimServer.StartAsync(Options(reset: 1, maxFaults: 100));
        using var http = new HttpClient();

        for (var i = 0; i < 3; i++)
        {
            using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(server.BaseUrl, FileName)));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(content.Length, head.Content.Headers.ContentLength);
        }
        Assert.Equal(0, server.Stats.TotalFaults);
        Assert.Equal(3, server.Stats.Heads);
    }

    private static string Plan(ArchiveSimOptions options, string name) =>
        string.Join(",", Enumerable.Range(1, options.MaxFaultsPerFile + 1)
            .Select(attempt => options.FaultFor(name, attempt)?.ToString() ?? "ok"));

    /// <summary>What a client sees on each of the first MaxFaultsPerFile + 1 GETs of every file, visiting the files in the given order.</summary>
    private async Task<Dictionary<string, string>> ObserveAsync(ArchiveSimOptions options, IReadOnlyList<string> names)
    {
        await using var server = await ArchiveSimServer.StartAsync(options);
        using var http = new HttpClient();
        var seen = names.ToDictionary(name => name, _ => new List<string>());
        for (var attempt = 0; attempt <= options.MaxFaultsPerFile; attempt++)
        {
            foreach (var name in names) seen[name].Add(await OutcomeAsync(http, server, name));
        }
        return seen.ToDictionary(entry => entry.Key, entry => string.Join(",", entry.Value));
    }

    private async Task<string> OutcomeAsync(HttpClient http, ArchiveSimServer server, string name)
    {
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(http, server, name);
        }
        catch (HttpRequestException)
        {
            return nameof(SimFault.Reset);
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable) return nameof(SimFault.Fail);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            try
            {
                Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
                return "ok";
            }
            catch (HttpRequestException)
            {
                return nameof(SimFault.Truncate);
            }
        }
    }

    /// <summary>
    /// A new connection per request: HttpClient silently re-sends a GET whose reused connection closed before any response,
    /// which would hide a reset from the test and spend one of the file's attempts.
    /// </summary>
    private static Task<HttpResponseMessage> SendAsync(HttpClient http, ArchiveSimServer server, string name = FileName)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseUrl, name));
        request.Headers.ConnectionClose = true;
        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
