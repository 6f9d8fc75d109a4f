using System.Globalization;
using System.Text.RegularExpressions;
using Binder.Build.Buildpacks;
using Binder.Build.Context;
using Binder.Build.Docker;

namespace Binder.Build.Failures;

/// <summary>
/// Decides, once and in the build engine, whose problem a failed image build is: the repository's (a failing
/// <c>postBuild</c>, a package that does not exist, a file the Dockerfile copies that is not there) or a server's the
/// build needs (a package index, mirror, channel or registry that could not be reached), and writes the closing
/// sentences of the message accordingly: which file to fix, or which server was unreachable and which setting points
/// at it.
/// </summary>
public static partial class BuildFailureClassifier
{
    private const int MaxQuotedLine = 200;

    /// <summary>Returns <paramref name="failure"/> with its kind and closing sentences decided.</summary>
    /// <param name="failure">The failure as the daemon reported it.</param>
    /// <param name="plan">The plan the build followed.</param>
    /// <param name="options">The buildpack settings, which name the servers builds install from.</param>
    /// <param name="context">The context that was sent, to explain a missing file; null when not known.</param>
    /// <param name="settingsPrefix">Put before the settings' keys the message names: empty for the CLI, <c>Binder:</c> for the service.</param>
    public static DockerBuildFailedException Classify(DockerBuildFailedException failure, BuildPlan plan, BuildpackOptions options, BuildContext? context, string settingsPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        var step = failure.FailedStep ?? "";
        var generated = plan.RepositoryDockerfilePath is null;
        // The step's own output says most; the last lines stand in when the daemon named no step.
        var output = failure.StepOutput.Count > 0 ? failure.StepOutput : failure.LastLines;
        var evidence = output.Append(failure.DaemonError).ToList();

        if (NetworkErrors.Find(evidence) is { } network)
        {
            var source = SourceOf(step, evidence, network.Line, options, settingsPrefix);
            return failure.WithDiagnosis(BuildFailureKind.Unavailable, Unreachable(source, network.Reason, network.Line));
        }
        if (step.Contains("load metadata for", StringComparison.Ordinal) || failure.DaemonError.Contains("failed to create LLB definition", StringComparison.Ordinal))
        {
            return generated
                ? failure.WithDiagnosis(BuildFailureKind.Service,
                    $"This is a problem of the build service, not of the repository: the base image {options.BaseImage} (setting {settingsPrefix}Buildpacks:BaseImage) " +
                    $"could not be used. The operator must point {settingsPrefix}Buildpacks:BaseImage at an image the Docker daemon has or can pull.")
                : failure.WithDiagnosis(BuildFailureKind.Repository,
                    $"This is a problem in the repository: the image {plan.RepositoryDockerfilePath} starts FROM does not exist or cannot be pulled. " +
                    "Fix its FROM line (the name and tag) and build again.");
        }
        if (MissingContextFile().Match(failure.DaemonError) is { Success: true } missing && context?.RepositoryPathOf(missing.Groups[1].Value) is { } path)
        {
            var why = context.WhyMissing(path) ?? "it is not in the build context";
            return failure.WithDiagnosis(BuildFailureKind.Repository,
                $"This is a problem in the repository: the Dockerfile copies {path}, but {why}. " +
                "Add the file, or change the ignore line that leaves it out, and build again.");
        }
        if (failure.DaemonError.Contains("no space left on device", StringComparison.OrdinalIgnoreCase))
        {
            return failure.WithDiagnosis(BuildFailureKind.Service,
                "This is a problem of the build service, not of the repository: the Docker daemon ran out of disk space. " +
                "The operator must free space (prune old images and build cache); then build again.");
        }
        if (plan.BuilderSteps.FirstOrDefault(s => s.Is(step)) is { } owned)
        {
            return failure.WithDiagnosis(BuildFailureKind.Service, BuilderStepCause(owned, output, failure.DaemonError, options, settingsPrefix));
        }
        return failure.WithDiagnosis(BuildFailureKind.Repository, "This is a problem in the repository: " + RepositoryCause(step, output, failure.DaemonError, plan, options));
    }

    /// <summary>
    /// The sentence for a step the builder owns that failed with no sign of a network problem: the builder's settings
    /// ask for something the base image, the archive or the index cannot give, which no change to the repository mends.
    /// </summary>
    private static string BuilderStepCause(BuilderStep owned, IReadOnlyList<string> output, string daemonError, BuildpackOptions options, string settingsPrefix)
    {
        var packages = UnknownAptPackages(output);
        var requirements = UnknownPipRequirements(output);
        var detail = packages.Count > 0
            ? $": the Debian archive has no package {Quoted(packages)}"
            : requirements.Count > 0
                ? $": pip found no version of {Quoted(requirements)} on the Python package index at {options.PythonIndexUrl}"
                : "";
        var settings = owned.Settings.Count > 0
            ? "the settings " + string.Join(", ", owned.Settings.Select(key => settingsPrefix + key))
            : $"the settings under {settingsPrefix}Buildpacks";
        return $"This is a problem of the build service, not of the repository: the step \"{owned.Description}\", which the builder adds, " +
            $"{Exited(daemonError)}{detail}. No change to the repository can fix it; the operator should check {settings} (the step's output is above), then build again.";
    }

    /// <summary>The sentence for a step that failed without any sign of a network problem.</summary>
    private static string RepositoryCause(string step, IReadOnlyList<string> output, string daemonError, BuildPlan plan, BuildpackOptions options)
    {
        var packages = UnknownAptPackages(output);
        if (packages.Count > 0 && step.Contains("apt-get", StringComparison.Ordinal))
        {
            var aptTxt = plan.Detection.PathOf("apt.txt");
            return $"the Debian archive has no package {Quoted(packages)}. " +
                $"Check the name{(packages.Count > 1 ? "s" : "")} in {aptTxt} (packages.debian.org lists the packages of Debian bookworm) and build again.";
        }
        var requirements = UnknownPipRequirements(output);
        if (requirements.Count > 0)
        {
            return $"pip found no version of {Quoted(requirements)} on the Python package index at {options.PythonIndexUrl}. " +
                "Check the package name and version in the repository's requirements and build again.";
        }
        var exited = Exited(daemonError);
        if (plan.RepositoryDockerfilePath is null && RepositoryFileOf(step, plan) is { } file)
        {
            return Path.GetFileName(file) is "postBuild" or "start"
                ? $"{file} {exited}. Fix it (its output is above) and build again."
                : $"the step that installs {file} {exited}. Fix {file} (the step's output is above) and build again.";
        }
        return $"the step {exited}, and nothing in its output points at a network problem. {DockerBuildFailedException.GenericAdvice}";
    }

    private static List<string> UnknownAptPackages(IReadOnlyList<string> output) =>
        output.Select(line => AptUnknownPackage().Match(line)).Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();

    private static List<string> UnknownPipRequirements(IReadOnlyList<string> output) =>
        output.Select(line => PipNoDistribution().Match(line)).Where(m => m.Success).Select(m => m.Groups[1].Value.Trim()).Distinct(StringComparer.Ordinal).ToList();

    private static string Quoted(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    private static string Exited(string daemonError) =>
        ExitCode().Match(daemonError) is { Success: true } code ? $"failed with exit code {code.Groups[1].Value}" : "failed";

    /// <summary>The repository file a generated step works on, longest name first (so binder/postBuild beats postBuild).</summary>
    private static string? RepositoryFileOf(string step, BuildPlan plan) =>
        plan.ContextSelection.RequiredFiles.Concat(plan.Detection.Files)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(f => f.Length)
            .FirstOrDefault(f => StepNames(step, f));

    private static bool StepNames(string step, string file) =>
        Regex.IsMatch(step, @"(?<![\w./-])(?:\./)?" + Regex.Escape(file) + @"(?![\w./-])", RegexOptions.CultureInvariant);

    /// <summary>Which configured server the failure is about: by the hosts in the error lines, then by what the step runs.</summary>
    private static PackageSource? SourceOf(string step, IReadOnlyList<string> evidence, string networkLine, BuildpackOptions options, string settingsPrefix)
    {
        var sources = PackageSource.From(options, settingsPrefix);
        var failingLines = NetworkErrors.FindAll(evidence).Select(f => f.Line).Prepend(networkLine).ToList();
        var hosts = failingLines.SelectMany(NetworkErrors.Hosts).Distinct(StringComparer.Ordinal).ToList();
        if (sources.FirstOrDefault(s => hosts.Any(s.Owns)) is { } byHost)
        {
            return byHost;
        }
        // A download step names its URL in its command.
        var stepHosts = NetworkErrors.Hosts(step).ToList();
        if (sources.FirstOrDefault(s => s.CommandWords.Count == 0 && stepHosts.Any(s.Owns)) is { } byUrl)
        {
            return byUrl;
        }
        if (step.Contains("apt-get", StringComparison.Ordinal))
        {
            return PackageSource.DebianMirror(hosts.FirstOrDefault());
        }
        if (sources.FirstOrDefault(s => s.CommandWords.Any(w => CommandUses(step, w))) is { } byCommand)
        {
            return byCommand;
        }
        return hosts.Count > 0 ? new PackageSource($"the server {hosts[0]}", "", hosts, []) : null;
    }

    private static bool CommandUses(string step, string word) =>
        word.Contains(' ', StringComparison.Ordinal) || !char.IsLetterOrDigit(word[^1])
            ? step.Contains(word, StringComparison.Ordinal)
            : Regex.IsMatch(step, @"(?<![\w-])" + Regex.Escape(word) + @"(?![\w-])", RegexOptions.CultureInvariant);

    private static string Unreachable(PackageSource? source, string reason, string line)
    {
        var what = source?.Name ?? "a server the build needs";
        var setting = source is { Setting.Length: > 0 } ? $" (set by {source.Setting})" : "";
        var fix = source is { Setting.Length: > 0 }
            ? $"check that it is up and reachable from the build network, or change {source.Setting}"
            : "check that the build network reaches the internet (DNS and outgoing connections)";
        // A short error line is worth quoting; pip's 300-character retry warnings are in the log lines above anyway.
        var shown = DockerBuildFailedException.WithoutDaemonPaths(line.Trim());
        var quote = shown.Length <= MaxQuotedLine ? $": \"{shown}\"" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"This is not a problem in the repository: {what}{setting} could not be reached ({reason}{quote}). " +
            $"Build again later; if it keeps failing, the operator should {fix}.");
    }

    // BuildKit: failed to compute cache key: "/data.csv" not found: not found; newer: failed to calculate checksum of ref ...: "/data.csv": not found
    [GeneratedRegex(@"""/?([^""]+)""\s*:?\s*not found", RegexOptions.CultureInvariant)]
    private static partial Regex MissingContextFile();

    [GeneratedRegex(@"E: (?:Unable to locate package |Package '?)([a-z0-9][a-z0-9.+-]*)'?(?: has no installation candidate)?", RegexOptions.CultureInvariant)]
    private static partial Regex AptUnknownPackage();

    [GeneratedRegex(@"No matching distribution found for ([^\s]+)", RegexOptions.CultureInvariant)]
    private static partial Regex PipNoDistribution();

    [GeneratedRegex(@"exit code:? (\d+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ExitCode();
}
