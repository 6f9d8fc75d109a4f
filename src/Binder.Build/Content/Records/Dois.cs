using System.Text.RegularExpressions;

namespace Binder.Build.Content.Records;

/// <summary>
/// What the DOI-based hosts (Zenodo, Figshare, Dataverse) share: a DOI (bare, <c>doi:</c>-prefixed or a doi.org URL)
/// is resolved by following the DOI resolver to the record's landing page, as BinderHub and repo2docker do.
/// </summary>
internal static partial class Dois
{
    /// <summary>The forms a DOI is written in before its <c>10.</c>: the public resolver's URLs and the <c>doi:</c> scheme.</summary>
    public static readonly IReadOnlyList<string> Leads = ["https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"];

    /// <summary>
    /// The DOI in <paramref name="text"/> when it is one: bare (<c>10.5281/zenodo.3242074</c>), <c>doi:</c>-prefixed, or a
    /// URL of the public resolver or of <paramref name="resolverUrl"/> (a configured mirror or stand-in).
    /// </summary>
    public static string? Find(string text, string resolverUrl)
    {
        var doi = WithoutLead(text);
        var resolver = resolverUrl.TrimEnd('/') + "/";
        if (ReferenceEquals(doi, text) && text.StartsWith(resolver, StringComparison.OrdinalIgnoreCase))
        {
            doi = text[resolver.Length..];
        }
        doi = doi.TrimEnd('/');
        return Pattern().IsMatch(doi) ? doi : null;
    }

    /// <summary><paramref name="text"/> without a leading resolver URL or <c>doi:</c>; the same instance when it has none.</summary>
    public static string WithoutLead(string text)
    {
        foreach (var lead in Leads)
        {
            if (text.StartsWith(lead, StringComparison.OrdinalIgnoreCase))
            {
                return text[lead.Length..];
            }
        }
        return text;
    }

    /// <summary>Whether <paramref name="doi"/> has a DOI's shape: <c>10.&lt;registrant&gt;/&lt;suffix&gt;</c>.</summary>
    public static bool IsDoi(string doi) => Pattern().IsMatch(doi);

    /// <summary>
    /// Follows <c>{DoiResolverUrl}/{doi}</c> (see <see cref="RecordHttp.FollowRedirectsAsync"/>) to the landing page.
    /// </summary>
    /// <exception cref="ContentException">The resolver does not know the DOI, or could not be reached.</exception>
    public static async Task<Uri> LandingPageAsync(
        RecordHttp http, string doi, Func<Uri, bool> isTarget, Func<Uri, bool> mayFollow, CancellationToken cancellationToken) =>
        await http.FollowRedirectsAsync(new Uri($"{http.Records.DoiResolverUrl.TrimEnd('/')}/{doi}"), "the DOI resolver", isTarget, mayFollow, cancellationToken).ConfigureAwait(false)
            ?? throw RecordHttp.NotFound($"The DOI {doi} does not exist: the DOI resolver does not know it.");

    /// <summary>Whether <paramref name="uri"/> is on the site at <paramref name="siteUrl"/>: same scheme, host and port.</summary>
    public static bool OnSite(Uri uri, string siteUrl) =>
        string.Equals(uri.GetLeftPart(UriPartial.Authority), new Uri(siteUrl).GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);

    /// <summary>A line of text that is safe to show: control characters replaced, at most 80 characters.</summary>
    public static string Printable(string value)
    {
        var text = new string(value.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return text.Length > 80 ? text[..80] + "…" : text;
    }

    // Crossref's recommended pattern for modern DOIs, which covers DataCite's (Zenodo, Figshare, Dataverse, HydroShare).
    [GeneratedRegex(@"^10\.\d{4,9}/[-._;()/:A-Za-z0-9]{1,300}$")]
    private static partial Regex Pattern();
}
