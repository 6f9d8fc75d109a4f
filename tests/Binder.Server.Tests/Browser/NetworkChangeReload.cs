using Microsoft.Playwright;

namespace Binder.Server.Tests.Browser;

/// <summary>
/// Waits for something on a page, reloading it once per network change Chromium reported. Chromium on Linux aborts
/// requests in flight with <c>net::ERR_NETWORK_CHANGED</c> whenever an interface of the host comes or goes, and the
/// other test classes (and the service's own session networks) create Docker bridges and veth pairs at any moment.
/// A page whose scripts or API calls were aborted that way never finishes loading, which is the machine's doing,
/// not the service's; a person would press reload, and so does this. Any other failure still fails the wait.
/// </summary>
internal sealed class NetworkChangeReload : IDisposable
{
    private const string NetworkChanged = "net::ERR_NETWORK_CHANGED";
    private static readonly TimeSpan Slice = TimeSpan.FromSeconds(20);

    private readonly IPage _page;
    private int _changes;

    public NetworkChangeReload(IPage page)
    {
        _page = page;
        _page.RequestFailed += OnRequestFailed;
    }

    /// <summary>How many times a wait reloaded the page.</summary>
    public int Reloads { get; private set; }

    /// <summary>Waits until <paramref name="locator"/> is shown, for at most <paramref name="timeout"/> (see <see cref="WaitAsync"/>).</summary>
    public Task WaitShownAsync(ILocator locator, TimeSpan timeout) =>
        WaitAsync(slice => locator.WaitForAsync(new LocatorWaitForOptions { Timeout = slice }), timeout);

    /// <summary>Waits until the page's address matches <paramref name="url"/>, for at most <paramref name="timeout"/> (see <see cref="WaitAsync"/>).</summary>
    public Task WaitForUrlAsync(System.Text.RegularExpressions.Regex url, TimeSpan timeout) =>
        WaitAsync(slice => _page.WaitForURLAsync(url, new PageWaitForURLOptions { Timeout = slice }), timeout);

    /// <summary>
    /// Runs <paramref name="wait"/> (given a time-out in milliseconds) in slices until it succeeds, for at most
    /// <paramref name="timeout"/>; when a slice passes with a request aborted by a network change since the last look,
    /// reloads the page and waits on.
    /// </summary>
    public async Task WaitAsync(Func<float, Task> wait, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var slice = left < Slice ? left : Slice;
            try
            {
                await wait((float)Math.Max(1, slice.TotalMilliseconds));
                return;
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
                if (Interlocked.Exchange(ref _changes, 0) == 0) continue;
                Reloads++;
                TestContext.Current.TestOutputHelper?.WriteLine($"{_page.Url}: requests were aborted by a host network change; reloading");
                await _page.ReloadAsync();
            }
        }
    }

    public void Dispose() => _page.RequestFailed -= OnRequestFailed;

    private void OnRequestFailed(object? sender, Microsoft.Playwright.IRequest request)
    {
        if (request.Failure?.Contains(NetworkChanged, StringComparison.Ordinal) == true) Interlocked.Increment(ref _changes);
    }
}
