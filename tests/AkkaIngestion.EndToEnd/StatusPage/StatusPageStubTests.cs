using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AkkaIngestion.EndToEnd.StatusPage;

/// <summary>The page in Chromium against canned admin answers: it shows what the JSON says and follows its changes.</summary>
[Collection("chromium")]
public class StatusPageStubTests(Chromium chromium, ITestOutputHelper output)
{
    private const string Self = "akka.tcp://akka-ingest@127.0.0.1:4701";
    private const string Peer = "akka.tcp://akka-ingest@127.0.0.1:4702";
    /// <summary>On a 5 s bucket boundary, as the node's samples are; recent, as the chart shows the last 10 minutes of the node's clock.</summary>
    private static readonly DateTime Now = new(DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond / 5 * 5 * TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    private static object Ingest(string bookmark, int stored, int samples, bool completed, bool paused) => new
    {
        node = Self,
        feeds = new[]
        {
            new
            {
                feedId = "gharchive", bookmark, enqueuedThrough = "2024-03-01T07", settledThrough = "2024-03-01T05",
                lagHours = (double?)12.0, probesInFlight = 4, outstanding = 3, found = 36, enqueued = 36,
                gaps = new[] { "2024-02-29-7.json.gz" }, gapsRecorded = 1, gapsFilled = 0, waitingAtEdge = Array.Empty<string>(),
                rangeCompleted = completed, paused, lastError = (string?)null, reachable = true,
            },
        },
        downloads = new { workers = 8, inFlight = 2, dispatched = 2, capacity = 10, stored, alreadyStored = 6, deadLettered = 1, paused },
        progress = new
        {
            filesStored = stored, bytesStored = stored * 3L * 1048576, alreadyStored = 6, deadLettered = 1, gapsRecorded = 1,
            elapsedSeconds = 75.0, mebibytesPerSecond = 3.25,
        },
        throughput = Enumerable.Range(0, samples).Select(i => new
        {
            at = Now.AddSeconds(-5 * (samples - 1 - i)),
            bytesPerSecond = (i + 1) * 1048576L,
            filesPerSecond = i + 0.5,
        }),
        recent = new[]
        {
            new { at = Now, level = "warning", message = "2024-03-01-3.json.gz: attempt 2 failed: <b>503</b>" },
            new { at = Now, level = "error", message = "store rejected a write" },
        },
        deadLetters = new[]
        {
            new { feed = "gharchive", file = "2024-03-01-2.json.gz", reason = "truncated body after 6 attempts", at = Now },
        },
    };

    private static object Cluster(bool peerReachable) => new
    {
        mode = "cluster",
        self = Self,
        leader = Self,
        members = new[]
        {
            new { address = Self, status = "Up", roles = new[] { "ingest" }, reachable = true },
            new { address = Peer, status = "Up", roles = new[] { "ingest", "seed" }, reachable = peerReachable },
        },
        unreachable = peerReachable ? Array.Empty<string>() : [Peer],
    };

    private static ILocator Feed(IPage page, string field) =>
        page.Locator($"[data-testid=feed-row][data-feed=gharchive] [data-field={field}]");

    private static ILocator Member(IPage page, string address) =>
        page.Locator($"[data-testid=member-row][data-address='{address}']");

    [Fact]
    public async Task Shows_what_the_node_answers_follows_its_changes_and_says_when_it_stops_answering()
    {
        await using var node = await StubAdminNode.StartAsync();
        node.SetIngest(Ingest("2024-03-01-5.json.gz", stored: 30, samples: 3, completed: false, paused: false));
        node.SetCluster(Cluster(peerReachable: false));
        await using var context = await chromium.NewContextAsync();
        var page = await Chromium.OpenAsync(context, node.BaseUrl.ToString());

        await Expect(page.GetByTestId("node-name")).ToHaveTextAsync(Self);
        await Expect(page.GetByTestId("cluster-mode")).ToHaveTextAsync("cluster");
        await Expect(Feed(page, "bookmark")).ToHaveTextAsync("2024-03-01-5.json.gz");
        await Expect(Feed(page, "lag")).ToHaveTextAsync("12.0 h");
        await Expect(Feed(page, "in-flight")).ToHaveTextAsync("3");
        await Expect(Feed(page, "gaps")).ToContainTextAsync("2024-02-29-7.json.gz");
        await Expect(Feed(page, "dead-letters")).ToHaveTextAsync("1");
        await Expect(Feed(page, "state")).ToHaveTextAsync("running");
        await Expect(page.GetByTestId("stat-workers")).ToHaveTextAsync("8");
        await Expect(page.GetByTestId("stat-in-flight")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("stat-stored")).ToHaveTextAsync("30");
        await Expect(page.GetByTestId("stat-mibps")).ToHaveTextAsync("3.25 MiB/s");
        await Expect(page.GetByTestId("throughput-point")).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("throughput-caption")).ToContainTextAsync("Latest 3.00 MiB/s");
        await Expect(page.GetByTestId("member-row")).ToHaveCountAsync(2);
        await Expect(Member(page, Self).Locator("[data-field=leader]")).ToHaveTextAsync("leader");
        await Expect(Member(page, Self).Locator("[data-field=address]")).ToContainTextAsync("this node");
        await Expect(Member(page, Peer)).ToHaveClassAsync("unreachable");
        await Expect(Member(page, Peer).Locator("[data-field=reachable]")).ToHaveTextAsync("unreachable");
        await Expect(Member(page, Peer).Locator("[data-field=roles]")).ToHaveTextAsync("ingest, seed");
        // Messages are text, never markup.
        await Expect(page.GetByTestId("recent-row").First).ToContainTextAsync("attempt 2 failed: <b>503</b>");
        await Expect(page.GetByTestId("recent-row")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("dead-letter-row")).ToContainTextAsync("truncated body after 6 attempts");
        await Expect(page.GetByTestId("last-updated")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d\d:\d\d:\d\d UTC$"));
        await Expect(page.GetByTestId("banner")).ToBeHiddenAsync();
        await Screenshots.SaveAsync(page, "status-page-stub", output);

        node.SetIngest(Ingest("2024-03-01-6.json.gz", stored: 31, samples: 4, completed: true, paused: true));
        node.SetCluster(Cluster(peerReachable: true));

        await Expect(Feed(page, "bookmark")).ToHaveTextAsync("2024-03-01-6.json.gz");
        await Expect(Feed(page, "state")).ToHaveTextAsync("pausedcompleted");
        await Expect(page.GetByTestId("stat-stored")).ToHaveTextAsync("31");
        await Expect(page.GetByTestId("throughput-point")).ToHaveCountAsync(4);
        await Expect(Member(page, Peer)).Not.ToHaveClassAsync("unreachable");
        await Expect(Member(page, Peer).Locator("[data-field=reachable]")).ToHaveTextAsync("reachable");

        var updatedWhileAnswering = await page.GetByTestId("last-updated").TextContentAsync();
        await node.StopAsync();

        var banner = page.GetByTestId("banner");
        await Expect(banner).ToBeVisibleAsync();
        await Expect(banner).ToContainTextAsync("The node is not answering");
        await Expect(banner).ToContainTextAsync("Showing what it said at");
        // What was last known stays on screen, dated.
        await Expect(Feed(page, "bookmark")).ToHaveTextAsync("2024-03-01-6.json.gz");
        Assert.Equal(updatedWhileAnswering, await page.GetByTestId("last-updated").TextContentAsync());
        await Screenshots.SaveAsync(page, "status-page-stub-not-answering", output);
    }

    [Fact]
    public async Task With_a_token_on_the_node_the_page_without_it_shows_401_and_with_it_in_the_fragment_shows_the_status()
    {
        await using var node = await StubAdminNode.StartAsync(token: "s3cret");
        node.SetIngest(Ingest("2024-03-01-5.json.gz", stored: 30, samples: 3, completed: false, paused: false));
        node.SetCluster(Cluster(peerReachable: true));
        await using var context = await chromium.NewContextAsync();

        var without = await Chromium.OpenAsync(context, node.BaseUrl.ToString());
        await Expect(without.GetByTestId("banner")).ToBeVisibleAsync();
        await Expect(without.GetByTestId("banner")).ToContainTextAsync("Unauthorized (401): this node requires its admin token");
        await Expect(without.GetByTestId("banner")).ToContainTextAsync("#token=");
        await Expect(without.GetByTestId("last-updated")).ToHaveTextAsync("never");
        await Screenshots.SaveAsync(without, "status-page-stub-401", output);

        var wrong = await Chromium.OpenAsync(context, node.BaseUrl + "#token=guess");
        await Expect(wrong.GetByTestId("banner")).ToContainTextAsync("refused the token");

        var with = await Chromium.OpenAsync(context, node.BaseUrl + "#token=s3cret");
        await Expect(Feed(with, "bookmark")).ToHaveTextAsync("2024-03-01-5.json.gz");
        await Expect(with.GetByTestId("member-row")).ToHaveCountAsync(2);
        await Expect(with.GetByTestId("banner")).ToBeHiddenAsync();
    }
}
