using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.Feeds;

namespace AkkaIngestion.EndToEnd.Admin;

/// <summary>The admin endpoint of a live node: who may use it, what /metrics and /readyz say.</summary>
public partial class AdminEndpointTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    private static async Task<(TempDirectory Temp, ArchiveSimServer Sim, IReadOnlyList<GeneratedFile> Files)> ArchiveAsync(int hours)
    {
        var temp = new TempDirectory();
        var (from, to) = LiveNode.RecentHours(hours);
        var files = ArchiveGenerator.Generate(temp.Sub("archive"), from, to, 16 * 1024, []);
        return (temp, await ArchiveSimServer.StartAsync(new ArchiveSimOptions { Root = Path.Combine(temp.Path, "archive") }), files);
    }

    private static string[] FollowArguments(ArchiveSimServer sim, string data, IReadOnlyList<GeneratedFile> files) =>
        ["--source", sim.BaseUrl.ToString(), "--store", data, "--from", ArchiveHour.Display(files[0].Hour), "--poll-interval", "1s"];

    private static async Task<JsonElement> IngestStatus(HttpClient http, Uri admin) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri(admin, "api/ingest"))).RootElement;

    [Fact]
    public async Task A_token_guards_every_route_but_the_page_and_a_wrong_or_missing_one_reveals_nothing()
    {
        var (temp, sim, files) = await ArchiveAsync(3);
        using var _ = temp;
        await using var __ = sim;
        var environment = new Dictionary<string, string> { ["AKKA_INGEST_ADMIN_TOKEN"] = "s3cret-token" };
        await using var node = await LiveNode.StartAsync(temp.Path, environment, FollowArguments(sim, Path.Combine(temp.Path, "data"), files));
        using var http = new HttpClient();

        // The page is static (no data in it) and reads the token from its own address, so it loads without one.
        using var page = await http.GetAsync(node.Admin);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(global::AkkaIngestion.Admin.StatusPage.Html, await page.Content.ReadAsStringAsync());

        foreach (var route in new[] { "healthz", "readyz", "metrics", "api/cluster", "api/ingest" })
        {
            using var anonymous = await http.GetAsync(new Uri(node.Admin, route));
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("", await anonymous.Content.ReadAsStringAsync());

            using var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri(node.Admin, route));
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-tokeN");
            using var refused = await http.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("", await refused.Content.ReadAsStringAsync());
        }
        using var right = new HttpRequestMessage(HttpMethod.Get, new Uri(node.Admin, "api/cluster"));
        right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-token");
        using var answered = await http.SendAsync(right);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("single", JsonDocument.Parse(await answered.Content.ReadAsStringAsync()).RootElement.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task Loopback_needs_no_token_but_another_address_without_one_is_refused_at_start()
    {
        using var temp = new TempDirectory();
        var refused = await AkkaIngestCli.RunAsync(temp.Path, Timeout, null,
            "run", "--source", "http://127.0.0.1:9/", "--store", Path.Combine(temp.Path, "data"), "--admin", "0.0.0.0:0", "--to", "2024-01-01T00");
        Assert.True(refused.ExitCode == 2, refused.ToString());
        var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("AKKA_INGEST_ADMIN_TOKEN", line);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "data", "raw")));

        var (archiveTemp, sim, files) = await ArchiveAsync(2);
        using var _ = archiveTemp;
        await using var __ = sim;
        await using var node = await LiveNode.StartAsync(archiveTemp.Path, null, FollowArguments(sim, Path.Combine(archiveTemp.Path, "data"), files));
        using var http = new HttpClient();
        Assert.Equal("ok", await http.GetStringAsync(new Uri(node.Admin, "healthz")));
    }

    [Fact]
    public async Task Metrics_parse_as_prometheus_text_and_count_what_was_stored()
    {
        var (temp, sim, files) = await ArchiveAsync(6);
        using var _ = temp;
        await using var __ = sim;
        await using var node = await LiveNode.StartAsync(temp.Path, null, FollowArguments(sim, Path.Combine(temp.Path, "data"), files));
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + Timeout;
        while ((await IngestStatus(http, node.Admin)).GetProperty("progress").GetProperty("filesStored").GetInt32() < files.Count)
        {
            Assert.True(DateTime.UtcNow < deadline, "the files were not stored in time");
            await Task.Delay(100);
        }

        var text = await http.GetStringAsync(new Uri(node.Admin, "metrics"));
        var samples = new Dictionary<string, double>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches(@"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* ", line);
                continue;
            }
            var match = Sample().Match(line);
            Assert.True(match.Success, $"not a Prometheus sample line: {line}");
            samples[match.Groups["series"].Value] = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        double Value(string name) => samples.Single(s => s.Key.StartsWith(name + "{", StringComparison.Ordinal) && s.Key.Contains("feed=\"gharchive\"")).Value;
        Assert.Equal(files.Count, Value("akka_ingest_files_stored_total"));
        Assert.Equal(files.Sum(f => f.Length), Value("akka_ingest_stored_bytes_total"));
        Assert.Equal(files.Count, Value("akka_ingest_download_duration_seconds_count"));
        Assert.Contains(samples.Keys, k => k.StartsWith("akka_ingest_cluster_members", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Readiness_fails_while_the_store_is_unreachable_and_recovers()
    {
        var (temp, sim, files) = await ArchiveAsync(2);
        using var _ = temp;
        await using var __ = sim;
        var data = Path.Combine(temp.Path, "data");
        await using var node = await LiveNode.StartAsync(temp.Path, null, FollowArguments(sim, data, files));
        using var http = new HttpClient();
        await ReadinessBecomes(http, node.Admin, HttpStatusCode.OK);

        // Root can write anywhere, so "unreachable" is a store root that is a file, not a directory.
        var aside = data + ".aside";
        Directory.Move(data, aside);
        await File.WriteAllTextAsync(data, "not a directory");
        var checks = JsonDocument.Parse(await ReadinessBecomes(http, node.Admin, HttpStatusCode.ServiceUnavailable)).RootElement.GetProperty("checks");
        Assert.NotEqual("ok", checks.GetProperty("store").GetString());
        Assert.Equal("ok", checks.GetProperty("queue").GetString());

        File.Delete(data);
        Directory.Move(aside, data);
        await ReadinessBecomes(http, node.Admin, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Status_pointed_at_a_node_lists_the_members_and_an_unreachable_node_is_exit_2()
    {
        var (temp, sim, files) = await ArchiveAsync(2);
        using var _ = temp;
        await using var __ = sim;
        var data = Path.Combine(temp.Path, "data");
        await using var node = await LiveNode.StartAsync(temp.Path, null, FollowArguments(sim, data, files));

        var status = await AkkaIngestCli.RunAsync(temp.Path, Timeout, null,
            "status", "--store", data, "--node", $"{node.Admin.Host}:{node.Admin.Port}", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        var member = Assert.Single(JsonDocument.Parse(status.Stdout).RootElement.GetProperty("members").EnumerateArray());
        Assert.Equal("Up", member.GetProperty("status").GetString());
        Assert.True(member.GetProperty("reachable").GetBoolean());

        var unreachable = await AkkaIngestCli.RunAsync(temp.Path, Timeout, null, "status", "--store", data, "--node", "127.0.0.1:9");
        Assert.True(unreachable.ExitCode == 2, unreachable.ToString());
        Assert.Contains("akka-ingest status:", Assert.Single(unreachable.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    /// <summary>Asks /readyz until it answers <paramref name="expected"/> (a loaded machine may answer a check late); returns the body.</summary>
    private static async Task<string> ReadinessBecomes(HttpClient http, Uri admin, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            using var response = await http.GetAsync(new Uri(admin, "readyz"));
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == expected) return body;
            Assert.True(DateTime.UtcNow < deadline, $"/readyz stayed {(int)response.StatusCode} {body}, expected {(int)expected}");
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"^(?<series>[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})?) (?<value>[-+0-9.eE]+|NaN|[+-]Inf)( \d+)?$")]
    private static partial Regex Sample();
}
