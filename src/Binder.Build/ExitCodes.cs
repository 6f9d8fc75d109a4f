namespace Binder.Build;

/// <summary>The exit codes of the <c>binder</c> command, one per kind of failure a script may want to tell apart.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>An unexpected error.</summary>
    public const int Error = 1;
    /// <summary><c>binder lint</c> found something (its own failures are 2, bad input).</summary>
    public const int LintFindings = 1;
    /// <summary>The input was wrong: not a repository, unknown ref, bad layout, bad apt.txt, bad arguments.</summary>
    public const int BadInput = 2;
    /// <summary>The Docker daemon could not be reached.</summary>
    public const int DockerUnavailable = 3;
    /// <summary>The registry refused a request (authentication, permission).</summary>
    public const int RegistryRefused = 4;
    /// <summary>The image build failed (a step of the Dockerfile failed).</summary>
    public const int BuildFailed = 5;
    /// <summary><c>binder lint</c> could not finish (a defect of lint's own): not findings, so CI can tell the two apart.</summary>
    public const int LintFailed = 6;
}
