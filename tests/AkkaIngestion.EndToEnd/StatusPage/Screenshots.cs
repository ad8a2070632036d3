using Microsoft.Playwright;
using Xunit.Abstractions;

namespace AkkaIngestion.EndToEnd.StatusPage;

/// <summary>Full-page screenshots kept beside the test binaries (artifacts/), for a person to look at.</summary>
internal static class Screenshots
{
    public static async Task SaveAsync(IPage page, string name, ITestOutputHelper output)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "artifacts", name + ".png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }
}
