namespace Binder.Build.Context;

/// <summary>The repository cannot become a build context (a limit is exceeded); the message says which and what to do.</summary>
public sealed class BuildContextException(string message) : BinderBuildException(message)
{
    /// <inheritdoc />
    public override int ExitCode => ExitCodes.BadInput;

    /// <inheritdoc />
    public override BuildFailureKind Kind => BuildFailureKind.Repository;
}
