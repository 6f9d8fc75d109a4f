using System.Text.RegularExpressions;
using Binder.Build.Content.Records;

namespace Binder.Hub.Providers;

/// <summary>
/// <c>gl/&lt;url-escaped namespace&gt;/&lt;ref&gt;</c>: BinderHub's GitLab provider. The namespace may hold subgroups
/// (<c>group%2Fsub%2Fproject</c>); the build slug joins its parts with <c>-</c>, writing a <c>-</c> inside a part as
/// <c>_-</c>. Resolved through <c>/api/v4/projects/&lt;namespace&gt;/repository/commits/&lt;ref&gt;</c>.
/// </summary>
internal sealed partial class GitLabProvider(ProviderHttp http, GitLabProviderOptions options) : IRepoProvider
{
    private const string Example = "gitlab-org%2Fgitlab-foss/HEAD";

    public string Prefix => "gl";

    public string DisplayName => "GitLab.com";

    public RepoProviderDisplay Display { get; } = new()
    {
        Id = "gl",
        DisplayName = "GitLab.com",
        Spec = new(@"[^/]+/.+"),
        Detect = new(@"^(https?://gitlab.com/)?(?<repo>.*[^/])/?"),
        Repo = new("GitLab.com repository or URL", "example: https://gitlab.com/mosaik/examples/mosaik-tutorials-on-binder", true),
        Ref = new(true, "HEAD"),
    };

    public RepoSpec Parse(string spec)
    {
        SpecRules.CheckRaw(Prefix, spec, Example);
        var (ns, reference) = SpecRules.SplitEscapedRef(Prefix, spec, "namespace", Example);
        SpecRules.CheckSegments(Prefix, ns, "namespace", Example);
        if (!ns.Contains('/', StringComparison.Ordinal) || ns.Split('/').Any(part => !PartPattern().IsMatch(part)))
        {
            throw new InvalidSpecException(
                $"'{SpecRules.Printable(ns)}' is not a GitLab project path ('group/project' or 'group/subgroup/project', url-escaped); a gl spec looks like 'gl/{Example}'.");
        }
        SpecRules.CheckRef(Prefix, reference, Example);
        var escapedNs = Uri.EscapeDataString(ns);
        return new RepoSpec(Prefix, $"{escapedNs}/{EscapeRef(reference)}", escapedNs.ToLowerInvariant(), reference);
    }

    public async Task<ResolvedRepo> ResolveAsync(RepoSpec spec, CancellationToken cancellationToken)
    {
        var slash = spec.Spec.IndexOf('/', StringComparison.Ordinal);
        var ns = Uri.UnescapeDataString(spec.Spec[..slash]);
        var reference = spec.Ref!;
        var baseUrl = options.Url.TrimEnd('/');
        var api = new Uri($"{baseUrl}/api/v4/projects/{Uri.EscapeDataString(ns)}/repository/commits/{Uri.EscapeDataString(reference)}");
        using var commit = await http.GetJsonAsync(api, "GitLab", cancellationToken, request =>
            {
                // A header, not BinderHub's query parameter: URLs end up in logs, headers do not.
                if (!string.IsNullOrEmpty(options.PrivateToken)) request.Headers.TryAddWithoutValidation("PRIVATE-TOKEN", options.PrivateToken);
            }).ConfigureAwait(false)
            ?? throw new SpecNotFoundException(
                $"Could not resolve ref '{reference}' in {new Uri(baseUrl).Host}/{ns}: no such project, branch, tag or commit (or the project is private).");
        if (commit.RootElement.String("id") is not { } sha || !SpecRules.IsFullSha(sha))
        {
            throw new ProviderUnavailableException($"GitLab's answer for {ns} at '{reference}' has no commit id. Try again later.");
        }
        var repoUrl = $"{baseUrl}/{ns}.git";
        return new ResolvedRepo
        {
            Spec = spec,
            ResolvedRef = sha,
            RepoUrl = repoUrl,
            RefUrl = $"{baseUrl}/{ns}/tree/{sha}",
            BuildSlug = string.Join('-', ns.Split('/').Select(part => part.Replace("-", "_-", StringComparison.Ordinal))),
            Source = new GitSource(repoUrl, sha),
            PersistentSpec = $"gl/{Uri.EscapeDataString(ns)}/{sha}",
        };
    }

    internal static string EscapeRef(string reference) => string.Join('/', reference.Split('/').Select(Uri.EscapeDataString));

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$")]
    private static partial Regex PartPattern();
}
