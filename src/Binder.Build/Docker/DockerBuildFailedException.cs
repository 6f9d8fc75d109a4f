using System.Text;

namespace Binder.Build.Docker;

/// <summary>An image build failed; the message names the failing step and quotes the last lines of the build log.</summary>
public sealed class DockerBuildFailedException : BinderBuildException
{
    /// <inheritdoc />
    public override int ExitCode => ExitCodes.BuildFailed;

    /// <summary>Creates the error.</summary>
    /// <param name="daemonError">The daemon's error, e.g. "executor failed running [/bin/sh -c false]: exit code: 1".</param>
    /// <param name="failedStep">The step that failed, e.g. "[3/5] RUN pip install ...", when known.</param>
    /// <param name="lastLines">The last lines of the build log, oldest first.</param>
    public DockerBuildFailedException(string daemonError, string? failedStep, IReadOnlyList<string> lastLines)
        : base(Describe(daemonError, failedStep, lastLines))
    {
        DaemonError = daemonError;
        FailedStep = failedStep;
        LastLines = lastLines;
    }

    /// <summary>The daemon's error text.</summary>
    public string DaemonError { get; }

    /// <summary>The failing step's name, when known.</summary>
    public string? FailedStep { get; }

    /// <summary>The last lines of the build log, oldest first.</summary>
    public IReadOnlyList<string> LastLines { get; }

    private static string Describe(string daemonError, string? failedStep, IReadOnlyList<string> lastLines)
    {
        var text = new StringBuilder("The image build failed");
        if (failedStep is not null)
        {
            text.Append(" at step ").Append(failedStep);
        }
        text.Append(": ").Append(daemonError.TrimEnd()).Append('.');
        if (lastLines.Count > 0)
        {
            text.Append(" Last lines of the build log:");
            foreach (var line in lastLines)
            {
                text.Append('\n').Append("  ").Append(line);
            }
        }
        text.Append("\nFix the failing step (its output is above) and build again.");
        return text.ToString();
    }
}
