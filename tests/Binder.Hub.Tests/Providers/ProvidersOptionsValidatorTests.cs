using Binder.Build.Content;
using Binder.Hub.Providers;
using Microsoft.Extensions.Options;

namespace Binder.Hub.Tests.Providers;

public sealed class ProvidersOptionsValidatorTests
{
    [Fact]
    public void The_defaults_are_valid_and_point_at_the_public_services()
    {
        var options = new ProvidersOptions();

        Assert.True(new ProvidersOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal("https://api.github.com", options.GitHub.ApiUrl);
        Assert.Equal("https://gitlab.com", options.GitLab.Url);
        Assert.Equal("https://doi.org", options.Records.DoiResolverUrl);
        Assert.Equal("https://zenodo.org", options.Records.ZenodoUrl);
        Assert.Equal("https://api.figshare.com/v2", options.Records.FigshareApiUrl);
        Assert.Equal("https://www.hydroshare.org", options.Records.HydroShareUrl);
    }

    [Fact]
    public void Bad_settings_fail_at_start_naming_each_key_and_never_echoing_a_token()
    {
        var options = new ProvidersOptions
        {
            GitHub = new GitHubProviderOptions { ApiUrl = "api.github.com", AccessToken = "ghp_abc\nX-Injected: 1" },
            GitLab = new GitLabProviderOptions { Url = "ftp://gitlab.example.org" },
            Records = new Binder.Build.Content.Records.RecordOptions { DataverseInstallations = ["not a url"], MaxDownloadBytes = 0, MaxRedirects = 99 },
            Cache = new ResolutionCacheOptions { Capacity = -1, MutableTtl = TimeSpan.Zero },
            RequestTimeout = TimeSpan.FromSeconds(-1),
        };

        var error = Assert.Throws<OptionsValidationException>(() => ProvidersOptionsValidator.ThrowIfInvalid(options));

        Assert.Contains(error.Failures, f => f.StartsWith("Providers:GitHub:ApiUrl 'api.github.com' must be an absolute http or https URL", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Providers:GitLab:Url 'ftp://gitlab.example.org'", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Providers:Records:DataverseInstallations:0 'not a url'", StringComparison.Ordinal));
        Assert.Contains("Providers:GitHub:AccessToken contains white space or a line break; paste the token alone.", error.Failures);
        Assert.Contains("Providers:Records:MaxDownloadBytes must be more than 0.", error.Failures);
        Assert.Contains("Providers:Records:MaxRedirects must be between 0 and 50, not 99.", error.Failures);
        Assert.Contains("Providers:Cache:Capacity must be 0 (no cache) or more, not -1.", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("Providers:Cache:MutableTtl must be a positive time span", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Providers:RequestTimeout must be a positive time span", StringComparison.Ordinal));
        Assert.DoesNotContain("ghp_abc", error.Message, StringComparison.Ordinal);
    }
}
