namespace Binder.Build.Buildpacks;

/// <summary>
/// The repository is laid out in a way the builder cannot build: both <c>binder/</c> and <c>.binder/</c>, a removed
/// configuration format, an invalid <c>apt.txt</c> or <c>runtime.txt</c>, no environment file when one is required.
/// The message names the file and says what to change.
/// </summary>
public sealed class RepositoryLayoutException : BinderBuildException
{
    /// <summary>Creates the error with a message for a person.</summary>
    public RepositoryLayoutException(string message) : base(message) { }

    /// <summary>The repository-relative path of the file at fault, when one is; <c>binder lint</c> reports it there.</summary>
    public string? FilePath { get; init; }

    /// <summary>The 1-based line of <see cref="FilePath"/> at fault, when the fault is on one line.</summary>
    public int? Line { get; init; }

    /// <summary>Exit code 2: the repository, not the machine, has to change.</summary>
    public override int ExitCode => ExitCodes.BadInput;

    /// <inheritdoc />
    public override BuildFailureKind Kind => BuildFailureKind.Repository;
}
