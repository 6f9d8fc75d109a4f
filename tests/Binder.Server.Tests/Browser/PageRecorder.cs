using System.Text.Json;
using Microsoft.Playwright;

namespace Binder.Server.Tests.Browser;

/// <summary>
/// Records what the <c>/v2</c> page showed while it was open: an init script watches the page's phase and log and keeps
/// them in <c>sessionStorage</c>, which survives the redirect into the session because the proxy serves the page and
/// the session from one origin. So a test can check, after landing in Jupyter, that the log was shown live.
/// </summary>
internal static class PageRecorder
{
    private const string Script = """
        (() => {
          if (!location.pathname.includes('/v2/')) return;
          document.addEventListener('DOMContentLoaded', () => {
            const log = document.getElementById('log');
            const phase = document.getElementById('phase');
            if (!log || !phase) return;
            const record = () => {
              const seen = JSON.parse(sessionStorage.getItem('binder-test-phases') || '[]');
              const p = phase.dataset.phase;
              if (p && (seen.length === 0 || seen[seen.length - 1].phase !== p)) {
                seen.push({ phase: p, log: log.textContent.length });
              }
              sessionStorage.setItem('binder-test-phases', JSON.stringify(seen));
              sessionStorage.setItem('binder-test-log', log.textContent);
            };
            new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
          });
        })();
        """;

    public static Task InstallAsync(IBrowserContext context) => context.AddInitScriptAsync(Script);

    /// <summary>The phases the page showed, in order, each with the length of the log shown when it began.</summary>
    public static async Task<IReadOnlyList<(string Phase, int LogLength)>> PhasesAsync(IPage page)
    {
        var json = await page.EvaluateAsync<string?>("() => sessionStorage.getItem('binder-test-phases')") ?? "[]";
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(e => (e.GetProperty("phase").GetString()!, e.GetProperty("log").GetInt32()))];
    }

    /// <summary>The log text the page showed last.</summary>
    public static async Task<string> LogAsync(IPage page) =>
        await page.EvaluateAsync<string?>("() => sessionStorage.getItem('binder-test-log')") ?? "";
}
