namespace Binder.Build.Registry;

/// <summary>
/// A registry (or its token service) refused access: missing or wrong credentials, or no permission for the
/// repository. The message names the registry and repository, never a password or token.
/// </summary>
public sealed class RegistryRefusedException : BinderBuildException
{
    /// <inheritdoc />
    public override int ExitCode => ExitCodes.RegistryRefused;

    /// <summary>Creates the error.</summary>
    /// <param name="message">A sentence saying what was refused and what to do.</param>
    /// <param name="registry">The registry host that refused.</param>
    /// <param name="inner">The low-level cause, if any.</param>
    public RegistryRefusedException(string message, string registry, Exception? inner = null) : base(message, inner)
    {
        Registry = registry;
    }

    /// <summary>The registry host that refused.</summary>
    public string Registry { get; }
}
