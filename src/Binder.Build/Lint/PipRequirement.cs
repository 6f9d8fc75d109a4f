using System.Text.RegularExpressions;

namespace Binder.Build.Lint;

/// <summary>How firmly a requirement fixes what pip installs.</summary>
internal enum PinState
{
    /// <summary>One version (<c>==1.2.3</c>, <c>===1.2.3</c>), a commit, a hashed or versioned file.</summary>
    Pinned,

    /// <summary>A path inside the repository (<c>.</c>, <c>./pkg</c>, <c>file:</c>): it changes only with the repository.</summary>
    Local,

    /// <summary>No version at all.</summary>
    Unpinned,

    /// <summary>A range (<c>&gt;=</c>, <c>~=</c>, <c>&lt;</c>, <c>!=</c>, <c>==1.2.*</c>).</summary>
    RangePinned,

    /// <summary>A VCS URL without a commit, or an archive URL that may serve another file tomorrow.</summary>
    UnpinnedUrl,

    /// <summary>Not a requirement pip can read.</summary>
    Invalid,
}

/// <summary>
/// One requirement as pip reads it from a requirements file, a conda file's <c>pip:</c> list or a <c>pip install</c>
/// command: PEP 508 (<c>name[extras] specifiers ; markers</c>, <c>name @ url</c>), a bare URL or a path, classified by
/// how firmly it fixes what gets installed.
/// </summary>
/// <param name="Name">The project name as written (with extras), or the URL or path.</param>
/// <param name="State">How firmly it is pinned.</param>
/// <param name="Url">The URL, for URL requirements.</param>
/// <param name="Revision">The VCS revision after <c>@</c>, when one is given.</param>
internal sealed partial record PipRequirement(string Name, PinState State, string? Url = null, string? Revision = null)
{
    /// <summary>The name in PEP 503's normal form, for matching a constraint to a requirement.</summary>
    public string NormalizedName => Normalize(Name);

    public static string Normalize(string name) =>
        SeparatorRun().Replace(name.Split('[')[0].Trim(), "-").ToLowerInvariant();

    /// <summary>Classifies one requirement; <paramref name="hashed"/> when pip checks it against a <c>--hash</c>.</summary>
    public static PipRequirement Parse(string text, bool hashed)
    {
        var requirement = WithoutMarker(text.Trim());
        if (IsLocalPath(requirement))
        {
            return new PipRequirement(requirement, PinState.Local);
        }
        if (UrlStart().IsMatch(requirement))
        {
            return FromUrl(requirement, requirement, hashed);
        }
        var m = NamedPattern().Match(requirement);
        if (!m.Success)
        {
            return new PipRequirement(requirement, PinState.Invalid);
        }
        var name = m.Groups["name"].Value + (m.Groups["extras"].Success ? "[" + m.Groups["extras"].Value + "]" : "");
        if (m.Groups["url"].Success)
        {
            var url = m.Groups["url"].Value.Trim();
            return IsLocalPath(url) ? new PipRequirement(name, PinState.Local) : FromUrl(name, url, hashed);
        }
        var spec = m.Groups["spec"].Value.Trim();
        if (spec.StartsWith('(') && spec.EndsWith(')'))
        {
            spec = spec[1..^1].Trim();
        }
        if (spec.Length == 0)
        {
            return new PipRequirement(name, PinState.Unpinned);
        }
        var pinned = false;
        foreach (var clause in spec.Split(','))
        {
            var c = ClausePattern().Match(clause.Trim());
            if (!c.Success)
            {
                return new PipRequirement(requirement, PinState.Invalid);
            }
            var op = c.Groups[1].Value;
            pinned |= op == "===" || op == "==" && !c.Groups[2].Value.Contains('*', StringComparison.Ordinal);
        }
        return new PipRequirement(name, pinned ? PinState.Pinned : PinState.RangePinned);
    }

    private static PipRequirement FromUrl(string name, string url, bool hashed)
    {
        var vcs = VcsPattern().Match(url);
        if (vcs.Success)
        {
            // The revision is the last '@' of the path, never the one of user@host in the authority.
            var withoutFragment = url.Split('#')[0];
            var afterScheme = withoutFragment[(withoutFragment.IndexOf("://", StringComparison.Ordinal) is var i and >= 0 ? i + 3 : 0)..];
            var slash = afterScheme.IndexOf('/', StringComparison.Ordinal);
            var path = slash < 0 ? "" : afterScheme[slash..];
            var at = path.LastIndexOf('@');
            var revision = at < 0 ? null : path[(at + 1)..];
            // A revision number is svn's commit; for git or Mercurial a name of digits alone is a tag or a branch.
            var svn = vcs.Value.StartsWith("svn", StringComparison.OrdinalIgnoreCase);
            var commit = revision is not null && (CommitPattern().IsMatch(revision) || svn && RevisionNumber().IsMatch(revision));
            var state = commit ? PinState.Pinned : PinState.UnpinnedUrl;
            return new PipRequirement(name, state, url, revision);
        }
        if (url.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return new PipRequirement(name, PinState.Local, url);
        }
        var fragment = url.Contains('#', StringComparison.Ordinal) ? url[(url.IndexOf('#', StringComparison.Ordinal) + 1)..] : "";
        var fileName = url.Split('#')[0].Split('?')[0].TrimEnd('/').Split('/')[^1];
        // A wheel's or an sdist's name carries its version, a commit-named archive its commit: the file stays the same.
        var fixedFile = hashed || HashFragment().IsMatch(fragment) || VersionedFile().IsMatch(fileName) || CommitArchive().IsMatch(fileName);
        return new PipRequirement(name, fixedFile ? PinState.Pinned : PinState.UnpinnedUrl, url);
    }

    private static bool IsLocalPath(string text) =>
        text.Length > 0 && (text[0] is '.' or '/' or '~' || text.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
            || !text.Contains("://", StringComparison.Ordinal) && !text.Contains('@', StringComparison.Ordinal) && text.Contains('/', StringComparison.Ordinal));

    /// <summary>Drops the environment marker: <c>; python_version &lt; "3.10"</c> (after whitespace for URLs, whose paths may hold ';').</summary>
    private static string WithoutMarker(string text)
    {
        var url = text.Contains("://", StringComparison.Ordinal);
        var m = (url ? UrlMarker() : Marker()).Match(text);
        return m.Success ? text[..m.Index].TrimEnd() : text;
    }

    [GeneratedRegex(@"[-_.]+")]
    private static partial Regex SeparatorRun();

    [GeneratedRegex(@"^(?:[A-Za-z][A-Za-z0-9+.\-]*://|(?:git|hg|svn|bzr)\+)")]
    private static partial Regex UrlStart();

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9](?:[A-Za-z0-9._\-]*[A-Za-z0-9])?)\s*(?:\[(?<extras>[^\]]*)\])?\s*(?:@\s*(?<url>\S+)|(?<spec>[(<>=!~][^;]*))?\s*\z", RegexOptions.NonBacktracking)]
    private static partial Regex NamedPattern();

    [GeneratedRegex(@"^(===|==|~=|!=|<=|>=|<|>)\s*([A-Za-z0-9_.*+!\-]+)\z")]
    private static partial Regex ClausePattern();

    [GeneratedRegex(@"^(?:git|hg|svn|bzr)\+", RegexOptions.IgnoreCase)]
    private static partial Regex VcsPattern();

    /// <summary>A commit: git's (7 to 64 hex digits, abbreviated or whole) or Mercurial's (12 or 40).</summary>
    [GeneratedRegex(@"^[0-9a-fA-F]{7,64}\z")]
    private static partial Regex CommitPattern();

    /// <summary>An svn revision number.</summary>
    [GeneratedRegex(@"^[0-9]+\z")]
    private static partial Regex RevisionNumber();

    [GeneratedRegex(@"(?:^|&)(?:sha1|sha224|sha256|sha384|sha512|md5)=[0-9a-fA-F]+", RegexOptions.IgnoreCase)]
    private static partial Regex HashFragment();

    [GeneratedRegex(@"^[A-Za-z0-9_.]+-[0-9][A-Za-z0-9_.!+\-]*\.(?:whl|tar\.gz|tar\.bz2|tar\.xz|tgz|zip)\z", RegexOptions.IgnoreCase)]
    private static partial Regex VersionedFile();

    [GeneratedRegex(@"^[0-9a-fA-F]{40}\.(?:tar\.gz|zip)\z")]
    private static partial Regex CommitArchive();

    [GeneratedRegex(@"\s*;", RegexOptions.NonBacktracking)]
    private static partial Regex Marker();

    [GeneratedRegex(@"\s+;", RegexOptions.NonBacktracking)]
    private static partial Regex UrlMarker();
}
