namespace Binder.Build;

/// <summary>The build request itself is wrong (an option's value); the message says which and how to write it.</summary>
public sealed class InvalidBuildRequestException(string message) : BinderBuildException(message)
{
    /// <inheritdoc />
    public override int ExitCode => ExitCodes.BadInput;

    /// <inheritdoc />
    public override BuildFailureKind Kind => BuildFailureKind.Repository;
}
