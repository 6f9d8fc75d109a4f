using Binder.Build;
using Microsoft.Extensions.Options;

namespace Binder.Hub.Providers;

/// <summary>Checks <see cref="ProvidersOptions"/> at start-up: every problem named with its configuration key.</summary>
public sealed class ProvidersOptionsValidator() : OptionsValidator<ProvidersOptions>(ProvidersOptions.SectionName)
{
    /// <inheritdoc />
    protected override IEnumerable<string> Check(ProvidersOptions options) => Problems(options);

    /// <summary>Throws an <see cref="OptionsValidationException"/> listing every problem, if there is any.</summary>
    /// <param name="options">The options to check.</param>
    public static void ThrowIfInvalid(ProvidersOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options);
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(ProvidersOptions.SectionName, typeof(ProvidersOptions), problems);
        }
    }

    internal static List<string> Problems(ProvidersOptions o)
    {
        var problems = new List<string>();
        var p = ProvidersOptions.SectionName;
        Url(problems, $"{p}:GitHub:ApiUrl", o.GitHub.ApiUrl);
        Url(problems, $"{p}:GitHub:WebUrl", o.GitHub.WebUrl);
        Url(problems, $"{p}:GitHub:GistWebUrl", o.GitHub.GistWebUrl);
        Url(problems, $"{p}:GitLab:Url", o.GitLab.Url);
        Url(problems, $"{p}:Records:DoiResolverUrl", o.Records.DoiResolverUrl);
        Url(problems, $"{p}:Records:ZenodoUrl", o.Records.ZenodoUrl);
        Url(problems, $"{p}:Records:FigshareUrl", o.Records.FigshareUrl);
        Url(problems, $"{p}:Records:FigshareApiUrl", o.Records.FigshareApiUrl);
        Url(problems, $"{p}:Records:HydroShareUrl", o.Records.HydroShareUrl);
        for (var i = 0; i < o.Records.DataverseInstallations.Count; i++)
        {
            Url(problems, $"{p}:Records:DataverseInstallations:{i}", o.Records.DataverseInstallations[i]);
        }
        Token(problems, $"{p}:GitHub:AccessToken", o.GitHub.AccessToken);
        Token(problems, $"{p}:GitLab:PrivateToken", o.GitLab.PrivateToken);
        Positive(problems, $"{p}:RequestTimeout", o.RequestTimeout);
        Positive(problems, $"{p}:Records:DownloadTimeout", o.Records.DownloadTimeout);
        Positive(problems, $"{p}:Cache:ImmutableTtl", o.Cache.ImmutableTtl);
        Positive(problems, $"{p}:Cache:MutableTtl", o.Cache.MutableTtl);
        Positive(problems, $"{p}:Cache:NotFoundTtl", o.Cache.NotFoundTtl);
        if (o.Cache.Capacity < 0) problems.Add($"{p}:Cache:Capacity must be 0 (no cache) or more, not {o.Cache.Capacity}.");
        if (o.Cache.NotFoundCapacity < 0) problems.Add($"{p}:Cache:NotFoundCapacity must be 0 (no negative cache) or more, not {o.Cache.NotFoundCapacity}.");
        if (o.GitHub.ETagCacheCapacity < 0) problems.Add($"{p}:GitHub:ETagCacheCapacity must be 0 or more, not {o.GitHub.ETagCacheCapacity}.");
        if (o.Records.MaxDownloadBytes <= 0) problems.Add($"{p}:Records:MaxDownloadBytes must be more than 0.");
        if (o.Records.MaxFiles <= 0) problems.Add($"{p}:Records:MaxFiles must be more than 0.");
        if (o.Records.MaxRedirects is < 0 or > 50) problems.Add($"{p}:Records:MaxRedirects must be between 0 and 50, not {o.Records.MaxRedirects}.");
        if (string.IsNullOrWhiteSpace(o.UserAgent) || o.UserAgent.Any(char.IsControl)) problems.Add($"{p}:UserAgent must be a non-empty line of text.");
        return problems;
    }

    private static void Url(List<string> problems, string key, string? value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query) || value!.Any(char.IsWhiteSpace))
        {
            problems.Add($"{key} '{value}' must be an absolute http or https URL without a query, such as 'https://example.org'.");
        }
    }

    private static void Token(List<string> problems, string key, string? value)
    {
        // The value is never echoed: it is a secret.
        if (value is not null && value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            problems.Add($"{key} contains white space or a line break; paste the token alone.");
        }
    }

    private static void Positive(List<string> problems, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{key} must be a positive time span such as '00:00:30', not {value}.");
        }
    }
}
