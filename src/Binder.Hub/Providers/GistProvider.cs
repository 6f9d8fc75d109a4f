using System.Text.Json;
using System.Text.RegularExpressions;
using Binder.Build.Content.Records;

namespace Binder.Hub.Providers;

/// <summary>
/// <c>gist/&lt;user&gt;/&lt;id&gt;[/&lt;sha&gt;]</c>: BinderHub's gist provider. Without a sha (or with <c>HEAD</c>, <c>main</c>,
/// <c>master</c>) the latest revision is used; a sha must be one of the gist's revisions. Secret gists only when the
/// operator allows them. The build slug is the gist id.
/// </summary>
internal sealed partial class GistProvider(GitHubApi api, GitHubProviderOptions options) : IRepoProvider
{
    private const string Example = "jupyter/4a8ad8fb1f0e6e4f5bcf5e5e1d6f7a2b";

    public string Prefix => "gist";

    public string DisplayName => "GitHub Gist";

    public RepoProviderDisplay Display { get; } = new()
    {
        Id = "gist",
        DisplayName = "GitHub Gist",
        Spec = new(@"[^/]+/[^/]+(/[^/]+)?"),
        Detect = new(@"^(https?://gist.github.com/)?(?<repo>.*[^/])/?"),
        Repo = new("Gist ID (username/gistId) or URL", "example: https://gist.github.com/user/0123456789abcdef0123", false),
        Ref = new(true, "HEAD"),
    };

    public RepoSpec Parse(string spec)
    {
        SpecRules.CheckRaw(Prefix, spec, Example);
        var parts = spec.Split('/');
        if (parts.Length is < 2 or > 3)
        {
            throw new InvalidSpecException($"The gist spec '{SpecRules.Printable(spec)}' is not of the form 'user/id' or 'user/id/sha', e.g. 'gist/{Example}'.");
        }
        if (!UserPattern().IsMatch(parts[0]))
        {
            throw new InvalidSpecException($"'{SpecRules.Printable(parts[0])}' is not a GitHub user name; a gist spec looks like 'gist/{Example}'.");
        }
        if (!IdPattern().IsMatch(parts[1]))
        {
            throw new InvalidSpecException($"'{SpecRules.Printable(parts[1])}' is not a gist id (hexadecimal); a gist spec looks like 'gist/{Example}'.");
        }
        var reference = parts.Length == 3 ? parts[2] : "HEAD";
        if (reference is not ("HEAD" or "main" or "master") && !SpecRules.IsFullSha(reference))
        {
            throw new InvalidSpecException(
                $"The gist revision '{SpecRules.Printable(reference)}' must be a full 40-character sha or HEAD; a gist spec looks like 'gist/{Example}' or 'gist/{Example}/<sha>'.");
        }
        return new RepoSpec(Prefix, string.Join('/', parts), $"{parts[0]}/{parts[1]}".ToLowerInvariant(), reference);
    }

    public async Task<ResolvedRepo> ResolveAsync(RepoSpec spec, CancellationToken cancellationToken)
    {
        var parts = spec.Spec.Split('/');
        var (user, id) = (parts[0], parts[1]);
        var reference = spec.Ref ?? "HEAD";
        using var gist = await api.GetJsonAsync($"/gists/{id}", cancellationToken).ConfigureAwait(false)
            ?? throw new SpecNotFoundException($"There is no gist {user}/{id} (or it was deleted).");
        var root = gist.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ProviderUnavailableException($"GitHub's answer for gist {id} is not a gist. Try again later.");
        }
        // The id alone names the gist; the user in the spec must be its owner, or gist/anyone/<id> would launch
        // (and be banned, allowed and counted) under a name that is not the owner's.
        var owner = root.String("owner", "login");
        if (owner is not null && !string.Equals(owner, user, StringComparison.OrdinalIgnoreCase))
        {
            throw new SpecNotFoundException($"The gist {id} belongs to {owner}, not {user}; launch it as gist/{owner}/{id}.");
        }
        if (!options.AllowSecretGists && root.TryGetProperty("public", out var isPublic) && isPublic.ValueKind == JsonValueKind.False)
        {
            throw new SpecNotFoundException(
                $"The gist {user}/{id} is secret, and this service does not launch secret gists (the operator can set Providers:GitHub:AllowSecretGists).");
        }
        var versions = root.TryGetProperty("history", out var history) && history.ValueKind == JsonValueKind.Array
            ? history.EnumerateArray().Select(h => h.String("version")).Where(v => v is not null && SpecRules.IsFullSha(v)).OfType<string>().ToList()
            : [];
        if (versions.Count == 0)
        {
            throw new ProviderUnavailableException($"GitHub's answer for gist {id} lists no revisions. Try again later.");
        }
        string sha;
        if (reference is "HEAD" or "main" or "master") sha = versions[0];
        else if (versions.Contains(reference, StringComparer.Ordinal)) sha = reference;
        else throw new SpecNotFoundException($"The gist {user}/{id} has no revision {reference}.");
        var repoUrl = $"{options.GistWebUrl.TrimEnd('/')}/{user}/{id}.git";
        return new ResolvedRepo
        {
            Spec = spec,
            ResolvedRef = sha,
            RepoUrl = repoUrl,
            RefUrl = $"{options.GistWebUrl.TrimEnd('/')}/{user}/{id}/{sha}",
            BuildSlug = id,
            Source = new GitSource(repoUrl, sha),
            PersistentSpec = $"gist/{user}/{id}/{sha}",
        };
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}$")]
    private static partial Regex UserPattern();

    [GeneratedRegex("^[0-9a-fA-F]{1,64}$")]
    private static partial Regex IdPattern();
}
