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

    /// <summary>Exit code 2: the repository, not the machine, has to change.</summary>
    public override int ExitCode => ExitCodes.BadInput;

    /// <inheritdoc />
    public override BuildFailureKind Kind => BuildFailureKind.Repository;
}
