using System.Text.RegularExpressions;
using Binder.Build;

namespace Binder.Hub.Launch.JupyterHub;

/// <summary>Checks <see cref="JupyterHubLaunchOptions"/> at start-up (only when <c>Launch:Backend</c> is <c>JupyterHub</c>).</summary>
public sealed partial class JupyterHubLaunchOptionsValidator() : OptionsValidator<JupyterHubLaunchOptions>(JupyterHubLaunchOptions.Section)
{
    /// <inheritdoc />
    protected override IEnumerable<string> Check(JupyterHubLaunchOptions options)
    {
        if (options.ApiUrl is not { IsAbsoluteUri: true } api || api.Scheme is not ("http" or "https"))
        {
            yield return "ApiUrl is required with Launch:Backend JupyterHub: the hub's REST API as an http(s) URL, e.g. http://127.0.0.1:8081/hub/api.";
        }
        if (options.PublicUrl is { } pub && (!pub.IsAbsoluteUri || pub.Scheme is not ("http" or "https")))
        {
            yield return $"PublicUrl '{pub}' must be an http(s) URL where people reach the hub, e.g. https://hub.example.org/.";
        }
        if (string.IsNullOrWhiteSpace(options.ApiToken))
        {
            yield return $"ApiToken is required with Launch:Backend JupyterHub: the api_token of a hub service whose role has the scopes {string.Join(", ", JupyterHubLaunchOptions.RequiredScopes)} (set it through BINDER_Launch__JupyterHub__ApiToken).";
        }
        if (options.UserPrefix is null || !UserPrefix().IsMatch(options.UserPrefix))
        {
            yield return $"UserPrefix '{options.UserPrefix}' must be 1 to 30 lower-case letters, digits, '-' or '_', starting with a letter, e.g. binder-: Binder only touches the hub users whose names start with it.";
        }
        if (options.StartTimeout <= TimeSpan.Zero || options.StartTimeout > DockerLaunchOptionsValidator.MaxStartTimeout)
        {
            yield return $"StartTimeout {options.StartTimeout} must be more than 0 and at most {DockerLaunchOptionsValidator.MaxStartTimeout}, e.g. 00:05:00.";
        }
        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > TimeSpan.FromMinutes(5))
        {
            yield return $"RequestTimeout {options.RequestTimeout} must be more than 0 and at most 00:05:00, e.g. 00:00:30.";
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,29}$")]
    private static partial Regex UserPrefix();
}
