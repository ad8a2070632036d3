using System.Text.Json;
using System.Text.RegularExpressions;
using AkkaIngestion.ArchiveSim;
using AkkaIngestion.EndToEnd.Admin;
using AkkaIngestion.Feeds;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AkkaIngestion.EndToEnd.StatusPage;

/// <summary>The page served by a real node (the executable, following the live edge) while it ingests from the simulator.</summary>
[Collection("chromium")]
public partial class StatusPageLiveTests(Chromium chromium, ITestOutputHelper output)
{
    private static ILocator Feed(IPage page, string field) =>
        page.Locator($"[data-testid=feed-row][data-feed=gharchive] [data-field={field}]");

    private static Task StoredRisesAbove(IPage page, int before) => page.WaitForFunctionAsync(
        "before => Number(document.querySelector('[data-testid=stat-stored]').textContent.replace(/,/g, '')) > before", before);

    private static async Task<int> StoredOnScreen(IPage page) =>
        int.Parse((await page.GetByTestId("stat-stored").TextContentAsync())!.Replace(",", ""));

    private static async Task<(TempDirectory Temp, ArchiveSimServer Sim, string[] RunArguments)> ArchiveAsync(int hours, long? bytesPerSecond)
    {
        var temp = new TempDirectory();
        var (from, to) = LiveNode.RecentHours(hours);
        ArchiveGenerator.Generate(temp.Sub("archive"), from, to, 128 * 1024, []);
        var sim = await ArchiveSimServer.StartAsync(new ArchiveSimOptions
        {
            Root = Path.Combine(temp.Path, "archive"),
            RateLimitBytesPerSecond = bytesPerSecond,
        });
        return (temp, sim,
            ["--source", sim.BaseUrl.ToString(), "--store", Path.Combine(temp.Path, "data"), "--from", ArchiveHour.Display(from),
             "--workers", "2", "--poll-interval", "1s"]);
    }

    [Fact]
    public async Task While_a_run_is_in_progress_the_page_shows_the_bookmark_moving_files_stored_rising_the_chart_and_the_node()
    {
        // 14 files of 128 KiB at 96 KiB/s each, two at a time: about ten seconds of visible progress.
        var (temp, sim, runArguments) = await ArchiveAsync(hours: 14, bytesPerSecond: 96 * 1024);
        using var _ = temp;
        await using var __ = sim;
        await using var node = await LiveNode.StartAsync(temp.Path, null, runArguments);
        using var http = new HttpClient();
        var self = JsonDocument.Parse(await http.GetStringAsync(new Uri(node.Admin, "api/cluster"))).RootElement.GetProperty("self").GetString()!;
        await using var context = await chromium.NewContextAsync();
        var page = await Chromium.OpenAsync(context, node.Admin.ToString());

        var bookmark = Feed(page, "bookmark");
        await Expect(bookmark).ToHaveTextAsync(HourFile());
        var firstBookmark = (await bookmark.TextContentAsync())!;
        await Expect(bookmark).Not.ToHaveTextAsync(firstBookmark);
        Assert.True(HourOf(await bookmark.TextContentAsync()) > HourOf(firstBookmark),
            $"the bookmark went from {firstBookmark} to {await bookmark.TextContentAsync()}");
        // Rising twice on screen: the page follows a run that is still going, not one that ended before it was opened.
        var stored = await StoredOnScreen(page);
        await StoredRisesAbove(page, stored);
        await StoredRisesAbove(page, await StoredOnScreen(page));

        await Expect(page.GetByTestId("throughput-point").First).ToBeAttachedAsync();
        await Expect(page.GetByTestId("throughput-caption")).ToContainTextAsync("MiB/s");
        await Expect(Feed(page, "lag")).ToHaveTextAsync(new Regex(@"^\d+\.\d h$"));
        await Expect(page.GetByTestId("stat-workers")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("cluster-mode")).ToHaveTextAsync("single");
        var member = page.Locator($"[data-testid=member-row][data-address='{self}']");
        await Expect(member.Locator("[data-field=address]")).ToContainTextAsync("this node");
        await Expect(member.Locator("[data-field=status]")).ToHaveTextAsync("Up");
        await Expect(member.Locator("[data-field=reachable]")).ToHaveTextAsync("reachable");
        await Expect(page.GetByTestId("banner")).ToBeHiddenAsync();
        await Expect(page.GetByTestId("last-updated")).ToHaveTextAsync(new Regex(@"^\d\d:\d\d:\d\d UTC$"));
        await Screenshots.SaveAsync(page, "status-page", output);
    }

    [Fact]
    public async Task With_a_token_on_the_node_the_page_without_it_shows_401_and_with_it_in_the_fragment_shows_the_node()
    {
        var (temp, sim, runArguments) = await ArchiveAsync(hours: 2, bytesPerSecond: null);
        using var _ = temp;
        await using var __ = sim;
        var environment = new Dictionary<string, string> { ["AKKA_INGEST_ADMIN_TOKEN"] = "page-s3cret" };
        await using var node = await LiveNode.StartAsync(temp.Path, environment, runArguments);
        await using var context = await chromium.NewContextAsync();

        var without = await Chromium.OpenAsync(context, node.Admin.ToString());
        await Expect(without.GetByTestId("banner")).ToContainTextAsync("Unauthorized (401): this node requires its admin token");
        await Expect(without.GetByTestId("last-updated")).ToHaveTextAsync("never");
        await Expect(without.GetByTestId("feed-row")).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(without, "status-page-401", output);

        var with = await Chromium.OpenAsync(context, node.Admin + "#token=page-s3cret");
        await Expect(Feed(with, "bookmark")).ToHaveTextAsync(HourFile());
        await Expect(with.GetByTestId("member-row")).ToHaveCountAsync(1);
        await Expect(with.GetByTestId("banner")).ToBeHiddenAsync();
    }

    private static DateTime HourOf(string? file) =>
        HourFileNaming.GhArchive.TryParse(file, out var hour) ? hour : throw new FormatException($"'{file}' is not an hour file name");

    [GeneratedRegex(@"^\d{4}-\d\d-\d\d-\d{1,2}\.json\.gz$")]
    private static partial Regex HourFile();
}
