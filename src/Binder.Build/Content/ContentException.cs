namespace Binder.Build.Content;

/// <summary>The repository could not be fetched or the ref not resolved; the message says what to do.</summary>
/// <param name="message">A sentence for a person.</param>
/// <param name="inner">The low-level cause.</param>
/// <param name="kind">The repository's (a wrong URL or ref, the default) or the network's (its server could not be reached).</param>
public sealed class ContentException(string message, Exception? inner = null, BuildFailureKind kind = BuildFailureKind.Repository)
    : BinderBuildException(message, kind, inner)
{
    /// <inheritdoc />
    public override int ExitCode => ExitCodes.BadInput;
}
