namespace Binder.Build.Content;

/// <summary>A git command failed. The message never contains URL credentials.</summary>
public sealed class GitCommandException : Exception
{
    internal GitCommandException(string message, int exitCode, string standardError, Exception? inner = null)
        : base(message, inner)
    {
        ExitCode = exitCode;
        StandardError = standardError;
    }

    /// <summary>git's exit code, or -1 when it did not run or timed out.</summary>
    public int ExitCode { get; }

    /// <summary>True when the operation was given up at its time-out (the caller's, not the server's answer).</summary>
    public bool TimedOut { get; init; }

    /// <summary>What git printed on standard error, with URL credentials removed.</summary>
    public string StandardError { get; }
}
