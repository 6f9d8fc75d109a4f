using Microsoft.Playwright;

namespace Binder.Server.Tests.Browser;

/// <summary>
/// Where screenshots go: <c>BINDER_TEST_ARTIFACTS</c> when set, else <c>TestResults/screenshots/</c> under the checkout
/// (the directory holding Binder.Orleans.sln above the working directory, which is what <c>scripts/test.sh</c> collects),
/// else under the working directory.
/// </summary>
internal static class Screenshots
{
    public static string Directory
    {
        get
        {
            if (Environment.GetEnvironmentVariable("BINDER_TEST_ARTIFACTS") is { Length: > 0 } given)
            {
                return Path.Combine(given, "screenshots");
            }
            var start = System.IO.Directory.GetCurrentDirectory();
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Binder.Orleans.sln"))) return Path.Combine(dir.FullName, "TestResults", "screenshots");
            }
            return Path.Combine(start, "TestResults", "screenshots");
        }
    }

    /// <summary>Saves a full-page PNG named after the test and the step; returns its path.</summary>
    public static async Task<string> TakeAsync(IPage page, string test, string step)
    {
        var directory = Directory;
        System.IO.Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{test}-{step}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }
}
