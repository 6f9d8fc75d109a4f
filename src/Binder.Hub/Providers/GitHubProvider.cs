using System.Text.RegularExpressions;

namespace Binder.Hub.Providers;

/// <summary>
/// <c>gh/&lt;user&gt;/&lt;repo&gt;/&lt;ref&gt;</c>: BinderHub's GitHub provider. The ref may contain <c>/</c>; a <c>.git</c>
/// suffix on the repository is dropped; the build slug is <c>user-repo</c>. Resolved through GitHub's commits API.
/// </summary>
internal sealed partial class GitHubProvider(GitHubApi api, GitHubProviderOptions options) : IRepoProvider
{
    private const string Example = "binder-examples/requirements/HEAD";

    public string Prefix => "gh";

    public string DisplayName => "GitHub";

    public RepoProviderDisplay Display { get; } = new()
    {
        Id = "gh",
        DisplayName = "GitHub",
        Spec = new(@"[^/]+/[^/]+/.+"),
        Detect = new(@"^(https?://github.com/)?(?<repo>.*[^/])/?"),
        Repo = new("GitHub repository name or URL", "example: binder-examples/requirements or https://github.com/binder-examples/requirements", false),
        Ref = new(true, "HEAD"),
    };

    public RepoSpec Parse(string spec)
    {
        SpecRules.CheckRaw(Prefix, spec, Example);
        var parts = spec.Split('/', 3);
        if (parts.Length != 3)
        {
            var hint = parts.Length == 2 && parts[1].Length > 0 ? $" Did you mean 'gh/{spec}/HEAD'?" : "";
            throw new InvalidSpecException($"The gh spec '{SpecRules.Printable(spec)}' is not of the form 'user/repo/ref', e.g. 'gh/{Example}'.{hint}");
        }
        var (user, repo, reference) = (parts[0], parts[1], parts[2]);
        if (!UserPattern().IsMatch(user))
        {
            throw new InvalidSpecException(
                $"'{SpecRules.Printable(user)}' is not a GitHub user or organisation name (letters, digits and '-', at most 39); a gh spec looks like 'gh/{Example}'.");
        }
        if (repo.EndsWith(".git", StringComparison.Ordinal))
        {
            repo = repo[..^4];
        }
        if (!RepoPattern().IsMatch(repo) || repo is "." or "..")
        {
            throw new InvalidSpecException(
                $"'{SpecRules.Printable(parts[1])}' is not a GitHub repository name (letters, digits, '.', '_' and '-', at most 100); a gh spec looks like 'gh/{Example}'.");
        }
        SpecRules.CheckRef(Prefix, reference, Example);
        // GitHub names are case-insensitive: one repository, one quota and one grain however it is spelled.
        return new RepoSpec(Prefix, $"{user}/{repo}/{reference}", $"{user}/{repo}".ToLowerInvariant(), reference);
    }

    public async Task<ResolvedRepo> ResolveAsync(RepoSpec spec, CancellationToken cancellationToken)
    {
        var parts = spec.Spec.Split('/', 3);
        var (user, repo, reference) = (parts[0], parts[1], parts[2]);
        var sha = await api.ResolveCommitAsync(user, repo, reference, cancellationToken).ConfigureAwait(false)
            ?? throw new SpecNotFoundException(
                $"Could not resolve ref '{reference}' in github.com/{user}/{repo}: no such repository, branch, tag or commit (or the repository is private).");
        var repoUrl = $"{options.WebUrl.TrimEnd('/')}/{user}/{repo}";
        return new ResolvedRepo
        {
            Spec = spec,
            ResolvedRef = sha,
            RepoUrl = repoUrl,
            RefUrl = $"{repoUrl}/tree/{sha}",
            BuildSlug = $"{user}-{repo}",
            Source = new GitSource(repoUrl, sha),
            PersistentSpec = $"gh/{user}/{repo}/{sha}",
        };
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}$")]
    private static partial Regex UserPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex RepoPattern();
}
