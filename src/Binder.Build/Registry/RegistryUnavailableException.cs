namespace Binder.Build.Registry;

/// <summary>A registry could not be reached or answered in a way that is not a yes, a no, or a refusal.</summary>
public sealed class RegistryUnavailableException : BinderBuildException
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">A sentence saying what failed and what to check.</param>
    /// <param name="registry">The registry host.</param>
    /// <param name="inner">The low-level cause, if any.</param>
    public RegistryUnavailableException(string message, string registry, Exception? inner = null) : base(message, inner)
    {
        Registry = registry;
    }

    /// <inheritdoc />
    public override BuildFailureKind Kind => BuildFailureKind.Unavailable;

    /// <summary>The registry host.</summary>
    public string Registry { get; }
}
