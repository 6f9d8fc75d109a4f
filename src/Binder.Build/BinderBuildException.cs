namespace Binder.Build;

/// <summary>
/// An error a person can act on: its <see cref="Exception.Message"/> says what was wrong and what to do,
/// and is printed as is by the command line and forwarded as a <c>failed</c> event by the service.
/// </summary>
public class BinderBuildException : Exception
{
    /// <summary>Creates the error with a message for a person.</summary>
    public BinderBuildException(string message) : base(message) { }

    /// <summary>Creates the error with a message for a person and the low-level cause.</summary>
    public BinderBuildException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>Creates the error with a message for a person and whose move it is.</summary>
    public BinderBuildException(string message, BuildFailureKind kind, Exception? inner = null) : base(message, inner)
    {
        declaredKind = kind;
    }

    private readonly BuildFailureKind? declaredKind;

    /// <summary>The process exit code the command line uses for this kind of error.</summary>
    public virtual int ExitCode => 1;

    /// <summary>
    /// Whose move the failure is. Without a more specific type or a kind given to the constructor it is the service's:
    /// an error nobody classified must not blame the repository.
    /// </summary>
    public virtual BuildFailureKind Kind => declaredKind ?? BuildFailureKind.Service;
}
