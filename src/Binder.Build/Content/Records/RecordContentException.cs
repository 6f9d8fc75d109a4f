namespace Binder.Build.Content.Records;

/// <summary>
/// A record's content cannot be used: too large, too many files, or an archive whose entries would land outside the
/// build directory. The message says which and what the limit is.
/// </summary>
/// <param name="message">A sentence for a person.</param>
public sealed class RecordContentException(string message) : BinderBuildException(message, BuildFailureKind.Repository)
{
    /// <inheritdoc />
    public override int ExitCode => ExitCodes.BadInput;
}
