using System.Text;
using System.Text.RegularExpressions;

namespace Binder.Build.Docker;

/// <summary>
/// An image build failed. The message names the failing step, quotes the last lines of the build log, and ends with
/// what to do: once the build engine has classified the failure (<see cref="WithDiagnosis"/>), whether it is a problem
/// in the repository or a server the build needs that could not be reached, and which setting points at it.
/// </summary>
public sealed partial class DockerBuildFailedException : BinderBuildException
{
    /// <summary>What an unclassified failure tells a person.</summary>
    internal const string GenericAdvice = "Fix the failing step (its output is above) and build again.";

    private readonly BuildFailureKind kind;

    /// <summary>Creates the error.</summary>
    /// <param name="daemonError">The daemon's error, e.g. "executor failed running [/bin/sh -c false]: exit code: 1".</param>
    /// <param name="failedStep">The step that failed, e.g. "[3/5] RUN pip install ...", when known.</param>
    /// <param name="lastLines">The last lines of the build log, oldest first.</param>
    /// <param name="stepOutput">The output of the failing step (its last lines, oldest first), when known.</param>
    public DockerBuildFailedException(string daemonError, string? failedStep, IReadOnlyList<string> lastLines, IReadOnlyList<string>? stepOutput = null)
        : this(daemonError, failedStep, lastLines, stepOutput ?? [], BuildFailureKind.Service, GenericAdvice)
    {
    }

    private DockerBuildFailedException(
        string daemonError, string? failedStep, IReadOnlyList<string> lastLines, IReadOnlyList<string> stepOutput, BuildFailureKind kind, string advice)
        : base(Describe(daemonError, failedStep, lastLines, advice))
    {
        DaemonError = daemonError;
        FailedStep = failedStep;
        LastLines = lastLines;
        StepOutput = stepOutput;
        Advice = advice;
        this.kind = kind;
    }

    /// <inheritdoc />
    public override int ExitCode => ExitCodes.BuildFailed;

    /// <summary>
    /// Whose move the failure is: the service's until the build engine classifies it (<see cref="WithDiagnosis"/>), as
    /// for any <see cref="BinderBuildException"/> nobody classified; the classifier names the repository where it is at fault.
    /// </summary>
    public override BuildFailureKind Kind => kind;

    /// <summary>The daemon's error text.</summary>
    public string DaemonError { get; }

    /// <summary>The failing step's name, when known.</summary>
    public string? FailedStep { get; }

    /// <summary>The last lines of the build log, oldest first.</summary>
    public IReadOnlyList<string> LastLines { get; }

    /// <summary>The output of the failing step (its last lines, oldest first); empty when not known.</summary>
    public IReadOnlyList<string> StepOutput { get; }

    /// <summary>The closing sentences of the message: whose problem it is and what to do.</summary>
    public string Advice { get; }

    /// <summary>The same failure, classified: <paramref name="advice"/> replaces the generic closing sentence.</summary>
    /// <param name="failureKind">Whose move it is.</param>
    /// <param name="advice">Sentences saying whose problem it is and what to do.</param>
    public DockerBuildFailedException WithDiagnosis(BuildFailureKind failureKind, string advice) =>
        new(DaemonError, FailedStep, LastLines, StepOutput, failureKind, advice);

    /// <summary>
    /// The daemon's error without the paths of its temporary build directories, which mean nothing to the person
    /// reading (<c>open /var/lib/docker/tmp/buildkit-mount123/binder/Dockerfile</c> -> <c>open binder/Dockerfile</c>).
    /// </summary>
    public static string WithoutDaemonPaths(string error) => DaemonTemporaryDirectory().Replace(error, "");

    private static string Describe(string daemonError, string? failedStep, IReadOnlyList<string> lastLines, string advice)
    {
        var text = new StringBuilder("The image build failed");
        if (failedStep is not null)
        {
            text.Append(" at step ").Append(failedStep);
        }
        text.Append(": ").Append(WithoutDaemonPaths(daemonError).TrimEnd().TrimEnd('.')).Append('.');
        if (lastLines.Count > 0)
        {
            text.Append(" Last lines of the build log:");
            foreach (var line in lastLines)
            {
                text.Append('\n').Append("  ").Append(WithoutDaemonPaths(line));
            }
        }
        text.Append('\n').Append(advice);
        return text.ToString();
    }

    // BuildKit's mounts of the context (buildkit-mount123) and the classic builder's context directory (docker-builder123).
    [GeneratedRegex(@"/[^\s:'""]*?/(?:buildkit-mount|docker-builder)\d+/?", RegexOptions.CultureInvariant)]
    private static partial Regex DaemonTemporaryDirectory();
}
