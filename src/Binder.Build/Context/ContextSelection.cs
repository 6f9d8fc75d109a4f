namespace Binder.Build.Context;

/// <summary>
/// Which repository files a build context holds: the ignore files whose rules apply, the files that go in whatever
/// those rules say, and the files the build cannot do without (an ignore rule leaving one out is an error that names
/// the rule, before anything is sent to the daemon).
/// </summary>
public sealed record ContextSelection
{
    /// <summary>
    /// Repository-relative ignore files; every one that exists is read, in order, and their rules form one list.
    /// Null: what <c>docker build</c> reads, <c>.dockerignore</c> (else <c>.containerignore</c>) at the repository root.
    /// </summary>
    public IReadOnlyList<string>? IgnoreFiles { get; init; }

    /// <summary>
    /// Repository-relative files that go into the context even when a rule excludes them: the Dockerfile, which
    /// Docker always sends too because the daemon needs it.
    /// </summary>
    public IReadOnlyList<string> AlwaysIncluded { get; init; } = [];

    /// <summary>Repository-relative files the build copies or runs; a rule that excludes one fails the context.</summary>
    public IReadOnlyList<string> RequiredFiles { get; init; } = [];
}
