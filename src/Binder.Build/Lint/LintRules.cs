namespace Binder.Build.Lint;

/// <summary>The rule identifiers of <see cref="LintFinding.Rule"/>. They are part of <c>binder lint --json</c>'s contract: never renamed.</summary>
public static class LintRules
{
    /// <summary>A pip requirement with no version at all (<c>numpy</c>).</summary>
    public const string UnpinnedRequirement = "unpinned-requirement";

    /// <summary>A pip requirement with a range only (<c>numpy&gt;=1.20</c>, <c>~=1.2</c>, <c>==1.2.*</c>, <c>!=1.3</c>).</summary>
    public const string RangePinnedRequirement = "range-pinned-requirement";

    /// <summary>A VCS requirement without a commit, or an archive URL without a hash or a version in its name.</summary>
    public const string UnpinnedUrlRequirement = "unpinned-url-requirement";

    /// <summary>A conda dependency with no version (<c>numpy</c>).</summary>
    public const string UnpinnedCondaPackage = "unpinned-conda-package";

    /// <summary>A conda dependency with a range only (<c>numpy&gt;=1.20</c>, <c>numpy=1</c>).</summary>
    public const string RangePinnedCondaPackage = "range-pinned-conda-package";

    /// <summary>A <c>Pipfile</c> without a <c>Pipfile.lock</c>.</summary>
    public const string PipfileWithoutLock = "pipfile-without-lock";

    /// <summary>A Python environment whose Python version the builder chooses (no <c>runtime.txt</c>, a range, a bare major).</summary>
    public const string UnpinnedPython = "unpinned-python";

    /// <summary>R packages from the newest CRAN snapshot, for want of a <c>runtime.txt</c> date.</summary>
    public const string NoRSnapshotDate = "no-r-snapshot-date";

    /// <summary>An <c>install.R</c> line installing from GitHub without a commit (<c>remotes::install_github("owner/repo")</c>).</summary>
    public const string UnpinnedRRemote = "unpinned-r-remote";

    /// <summary>A Julia <c>Project.toml</c> without a <c>Manifest.toml</c>.</summary>
    public const string NoJuliaManifest = "no-julia-manifest";

    /// <summary>A Julia project without a <c>[compat] julia</c> entry, so the builder chooses the Julia version.</summary>
    public const string UnpinnedJulia = "unpinned-julia";

    /// <summary>A repository Dockerfile starting <c>FROM</c> an image without a tag, or with <c>latest</c>.</summary>
    public const string UnpinnedBaseImage = "unpinned-base-image";

    /// <summary>A <c>default.nix</c> importing <c>&lt;nixpkgs&gt;</c>, the building machine's channel.</summary>
    public const string UnpinnedNixpkgs = "unpinned-nixpkgs";

    /// <summary>A file the build would read that cannot be read: outside the repository, too large, a directory, a pipe.</summary>
    public const string UnreadableFile = "unreadable-file";

    /// <summary>A file that is read but is not what its format requires: not UTF-8, binary, invalid YAML, a line pip cannot parse.</summary>
    public const string MalformedFile = "malformed-file";

    /// <summary>The build refuses the repository as it is (the message is the build's own).</summary>
    public const string BuildRefused = "build-refused";
}
