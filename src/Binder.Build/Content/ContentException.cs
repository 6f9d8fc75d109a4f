namespace Binder.Build.Content;

/// <summary>The repository could not be fetched or the ref not resolved; the message says what to do.</summary>
public sealed class ContentException(string message, Exception? inner = null) : BinderBuildException(message, inner)
{
    /// <inheritdoc />
    public override int ExitCode => ExitCodes.BadInput;
}
