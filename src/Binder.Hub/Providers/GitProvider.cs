using System.Text.RegularExpressions;
using Binder.Build.Content;

namespace Binder.Hub.Providers;

/// <summary>
/// <c>git/&lt;url-escaped url&gt;/&lt;ref&gt;</c>: BinderHub's bare git provider. The URL must be http, https or git (ssh
/// when the operator allows it; <c>user@host:path</c> is read as ssh), without credentials, never an option or a
/// transport helper such as <c>ext::</c> or <c>file://</c>. A full sha is taken as is; anything else is looked up in the
/// refs the remote advertises (annotated tags peeled to their commit): in-process with libgit2, or with
/// <c>git ls-remote</c> for ssh, which libgit2 cannot use here. The build slug is the URL.
/// </summary>
internal sealed partial class GitProvider(GitRemote git, GitProviderOptions options, TimeSpan requestTimeout) : IRepoProvider
{
    private const string Example = "https%3A%2F%2Fgithub.com%2Fbinder-examples%2Fconda/HEAD";

    public string Prefix => "git";

    public string DisplayName => "Git repository";

    public RepoProviderDisplay Display { get; } = new()
    {
        Id = "git",
        DisplayName = "Git repository",
        Spec = new(@"[^/]+/.+"),
        Detect = new(@"^(?<repo>(https?|git)://.+?)/?$"),
        Repo = new("Arbitrary git repository URL (http://git.example.com/repo)", "example: https://gitlab.com/org/repo.git", true),
        Ref = new(true, "HEAD"),
    };

    public RepoSpec Parse(string spec)
    {
        SpecRules.CheckRaw(Prefix, spec, Example);
        var (rawUrl, rawRef) = SpecRules.SplitEscapedRef(Prefix, spec, "URL", Example);
        var url = CheckUrl(rawUrl);
        var reference = SpecRules.CheckRef(Prefix, rawRef, Example);
        var escapedUrl = Uri.EscapeDataString(url);
        return new RepoSpec(Prefix, $"{escapedUrl}/{GitLabProvider.EscapeRef(reference)}", escapedUrl, reference);
    }

    public async Task<ResolvedRepo> ResolveAsync(RepoSpec spec, CancellationToken cancellationToken)
    {
        var url = Uri.UnescapeDataString(spec.Repository);
        var reference = spec.Ref!;
        var sha = SpecRules.IsFullSha(reference) ? reference : await LsRemoteAsync(url, reference, cancellationToken).ConfigureAwait(false);
        return new ResolvedRepo
        {
            Spec = spec,
            ResolvedRef = sha,
            RepoUrl = url,
            RefUrl = url,
            BuildSlug = url,
            Source = new GitSource(url, sha),
            PersistentSpec = $"git/{spec.Repository}/{sha}",
        };
    }

    private async Task<string> LsRemoteAsync(string url, string reference, CancellationToken cancellationToken)
    {
        IReadOnlyList<RemoteReference> refs;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(requestTimeout);
        try
        {
            refs = GitRemote.NeedsGitProgram(url)
                ? await LsRemoteWithGitAsync(url, reference, timeout.Token).ConfigureAwait(false)
                : await git.ListReferencesAsync(CheckTransport(url), timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderUnavailableException(
                $"The git repository at {GitCli.WithoutCredentials(url)} did not answer within {requestTimeout.TotalSeconds:0} s. Try again in a few minutes.", e);
        }
        catch (GitCommandException e)
        {
            var error = e.StandardError;
            if (NotFoundPattern().IsMatch(error))
            {
                throw new SpecNotFoundException($"There is no git repository at {GitCli.WithoutCredentials(url)} (or it needs credentials).");
            }
            throw new ProviderUnavailableException($"Could not reach the git repository at {GitCli.WithoutCredentials(url)}: {error.TrimEnd('.')}. Try again in a few minutes.", e);
        }
        string? Find(params string[] names) => names.Select(n => refs.FirstOrDefault(r => r.Name == n)?.Sha).FirstOrDefault(s => s is not null);
        var sha = reference == "HEAD"
            ? Find("HEAD")
            : Find($"refs/heads/{reference}", $"refs/tags/{reference}^{{}}", $"refs/tags/{reference}", $"{reference}^{{}}", reference)
              ?? refs.FirstOrDefault(r => r.Name.EndsWith("/" + reference + "^{}", StringComparison.Ordinal))?.Sha
              ?? refs.FirstOrDefault(r => r.Name.EndsWith("/" + reference, StringComparison.Ordinal))?.Sha;
        if (sha is null)
        {
            var hint = HexPattern().IsMatch(reference) ? " To name a commit, give its full 40-character sha." : "";
            throw new SpecNotFoundException(
                $"Could not resolve ref '{reference}' in {GitCli.WithoutCredentials(url)}: no such branch or tag.{hint}");
        }
        return sha;
    }

    /// <summary>
    /// libgit2 would follow <c>file://</c> and local paths too: past <see cref="Parse"/> (a spec made by hand), only
    /// http, https and git reach it, so the provider never reads the service's own disk.
    /// </summary>
    private static string CheckTransport(string url)
    {
        // Schemes are case-insensitive (RFC 3986); Parse accepts HTTP:// as http://.
        var scheme = url.Contains("://", StringComparison.Ordinal) ? url[..url.IndexOf("://", StringComparison.Ordinal)].ToLowerInvariant() : "file";
        if (scheme is not ("http" or "https" or "git"))
        {
            throw new ProviderUnavailableException($"Could not reach the git repository at {GitCli.WithoutCredentials(url)}: transport '{scheme}' not allowed.");
        }
        return url;
    }

    /// <summary><c>git ls-remote</c> for ssh URLs (only when <see cref="GitProviderOptions.AllowSsh"/>), with git's own transport allow-list.</summary>
    private async Task<IReadOnlyList<RemoteReference>> LsRemoteWithGitAsync(string url, string reference, CancellationToken cancellationToken)
    {
        // Transports are pinned here as well as in Parse: a URL that slipped through must still not run a helper
        // or reach a local path. protocol.allow=never with named exceptions is git's GIT_ALLOW_PROTOCOL as config
        // (GitCli owns the process environment); it also covers remote helpers and protocols git may add later.
        var output = await git.Cli.RunAsync(null, [.. TransportConfig(options.AllowSsh), "ls-remote", "--", url, reference, reference + "^{}"], cancellationToken)
            .ConfigureAwait(false);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', 2))
            .Where(fields => fields.Length == 2 && SpecRules.IsFullSha(fields[0]))
            .Select(fields => new RemoteReference(fields[1].Trim(), fields[0]))];
    }

    /// <summary><c>-c</c> settings that let git use only http, https and git (and ssh when allowed).</summary>
    internal static string[] TransportConfig(bool allowSsh) =>
    [
        "-c", "protocol.allow=never",
        "-c", "protocol.http.allow=always",
        "-c", "protocol.https.allow=always",
        "-c", "protocol.git.allow=always",
        "-c", $"protocol.ssh.allow={(allowSsh ? "always" : "never")}",
        "-c", "protocol.ext.allow=never",
        "-c", "protocol.file.allow=never",
    ];

    private string CheckUrl(string url)
    {
        var original = url;
        if (url.StartsWith('-'))
        {
            throw Invalid(original, "starts with '-', which git would take as an option");
        }
        var scp = ScpLike().Match(url);
        if (scp.Success && !url.Contains("://", StringComparison.Ordinal))
        {
            if (!options.AllowSsh) throw Invalid(original, "is an ssh address, and this service only clones over http, https and git");
            url = $"ssh://{scp.Groups[1].Value}/{scp.Groups[2].Value}";
        }
        if (url.Contains("::", StringComparison.Ordinal) && !url.Contains("://", StringComparison.Ordinal))
        {
            throw Invalid(original, "names a git transport helper ('<helper>::'), which is not allowed");
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw Invalid(original, "is not an absolute URL");
        }
        var allowed = options.AllowSsh ? (string[])["http", "https", "git", "ssh"] : ["http", "https", "git"];
        if (!allowed.Contains(uri.Scheme, StringComparer.Ordinal) || !url.StartsWith(uri.Scheme + "://", StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid(original, $"uses the scheme '{uri.Scheme}'; only {string.Join(", ", allowed)} are allowed");
        }
        if (string.IsNullOrEmpty(uri.Host) || uri.Host.StartsWith('-'))
        {
            throw Invalid(original, "has no valid host");
        }
        if (uri.UserInfo.Length > 0 && (uri.Scheme != "ssh" || uri.UserInfo.Contains(':', StringComparison.Ordinal)))
        {
            throw Invalid(original, "contains credentials; give the public URL (the operator configures credentials)");
        }
        // The raw text, not uri.AbsolutePath: Uri has already folded "a/../b" into "b" there.
        if (url.Split('/').Any(segment => segment is ".." || Uri.UnescapeDataString(segment) == ".."))
        {
            throw Invalid(original, "contains a '..' path segment");
        }
        if (url.IndexOfAny(['\'', '"', '`', '\\', '<', '>', '|', ';']) >= 0)
        {
            throw Invalid(original, "contains quotes, backslashes or shell characters");
        }
        return url;
    }

    private static InvalidSpecException Invalid(string url, string problem) =>
        new($"The git URL '{SpecRules.Printable(GitCli.Redact(url))}' {problem}; a git spec is '<url-escaped url>/<ref>', e.g. 'git/{Example}'.");

    [GeneratedRegex(@"^([\w\-.]+@[\w\-.]+):(.+)$")]
    private static partial Regex ScpLike();

    [GeneratedRegex("^[0-9a-f]{7,39}$")]
    private static partial Regex HexPattern();

    [GeneratedRegex("not found|does not exist|does not appear to be a git repository|Authentication failed|could not read Username|terminal prompts disabled|access denied|status code: 40[134]|authentication required|authentication replays", RegexOptions.IgnoreCase)]
    private static partial Regex NotFoundPattern();
}
