namespace Binder.Build.Manifest;

/// <summary>A manifest that cannot be read: malformed, too large, or of a newer schema.</summary>
public sealed class EnvironmentManifestException(string message, Exception? inner = null) : BinderBuildException(message, inner)
{
    /// <inheritdoc />
    public override int ExitCode => ExitCodes.BadInput;
}
