using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Binder.Build.Buildpacks;

/// <summary>
/// Checks <see cref="BuildpackOptions"/> before anything is generated, so that a bad setting fails at start-up with a
/// sentence naming it rather than as a broken Dockerfile (or an injected instruction) later.
/// </summary>
public sealed partial class BuildpackOptionsValidator(string section = "Binder:Buildpacks") : OptionsValidator<BuildpackOptions>(section)
{
    /// <inheritdoc />
    protected override IEnumerable<string> Check(BuildpackOptions options) => Problems(options);

    /// <summary>Throws a <see cref="BinderBuildException"/> listing every problem, if there is any.</summary>
    /// <param name="options">The options to check.</param>
    public static void ThrowIfInvalid(BuildpackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options);
        if (problems.Count > 0)
        {
            throw new BinderBuildException("The buildpack settings are invalid: " + string.Join(" ", problems));
        }
    }

    internal static List<string> Problems(BuildpackOptions o)
    {
        var problems = new List<string>();
        if (!IsImageReference(o.BaseImage))
        {
            problems.Add($"BaseImage '{Printable(o.BaseImage)}' is not an image reference such as 'docker.io/library/buildpack-deps:bookworm'.");
        }
        CheckUser(o.UserName, o.UserId, problems);
        if (o.RepoDir is not null && !IsAbsolutePath(o.RepoDir))
        {
            problems.Add($"RepoDir '{Printable(o.RepoDir)}' must be an absolute path of letters, digits, '.', '_', '-' and '/' without '..'.");
        }
        CheckUrl(nameof(o.PythonIndexUrl), o.PythonIndexUrl, problems);
        foreach (var url in o.ExtraPythonIndexUrls)
        {
            CheckUrl(nameof(o.ExtraPythonIndexUrls), url, problems);
        }
        if (o.CondaChannels.Count == 0)
        {
            problems.Add("CondaChannels must name at least one channel, such as 'conda-forge'.");
        }
        foreach (var channel in o.CondaChannels)
        {
            if (!ChannelPattern().IsMatch(channel))
            {
                problems.Add($"CondaChannels entry '{Printable(channel)}' is neither a channel name nor a URL.");
            }
        }
        CheckUrl(nameof(o.MicromambaUrl), o.MicromambaUrl, problems);
        CheckUrl(nameof(o.CranMirror), o.CranMirror.Replace("{date}", "latest", StringComparison.Ordinal), problems);
        CheckUrl(nameof(o.JuliaDownloadUrlTemplate),
            o.JuliaDownloadUrlTemplate.Replace("{version}", "1", StringComparison.Ordinal).Replace("{minor}", "1", StringComparison.Ordinal), problems);
        CheckUrl(nameof(o.NixChannelUrl), o.NixChannelUrl, problems);
        if (!JuliaVersionPattern().IsMatch(o.JuliaVersion))
        {
            problems.Add($"JuliaVersion '{Printable(o.JuliaVersion)}' must be a full version such as '1.10.5'.");
        }
        if (o.JuliaVersions.Count == 0)
        {
            problems.Add("JuliaVersions must list at least one Julia version, such as '1.10.5'.");
        }
        foreach (var version in o.JuliaVersions.Where(v => !JuliaVersionPattern().IsMatch(v)))
        {
            problems.Add($"JuliaVersions entry '{Printable(version)}' must be a full version such as '1.10.5'.");
        }
        if (!Enum.IsDefined(o.JupyterSource))
        {
            problems.Add($"JupyterSource '{o.JupyterSource}' must be PackageIndex or Debian.");
        }
        if (o.JupyterSource == JupyterSource.PackageIndex && o.JupyterPipPackages.Count == 0)
        {
            problems.Add("JupyterPipPackages must name the Jupyter server's packages (such as 'notebook==7.*') when JupyterSource is PackageIndex, or images cannot start.");
        }
        if (o.JupyterSource == JupyterSource.Debian && o.JupyterAptPackages.Count == 0)
        {
            problems.Add("JupyterAptPackages must name the Jupyter server's Debian packages (such as 'python3-notebook') when JupyterSource is Debian, or images cannot start.");
        }
        if (o.JupyterCondaPackages.Count == 0)
        {
            problems.Add("JupyterCondaPackages must name the Jupyter server's conda packages (such as 'notebook=7'), or conda images cannot start.");
        }
        foreach (var requirement in o.JupyterPipPackages.Where(r => !PipRequirementPattern().IsMatch(r)))
        {
            problems.Add($"JupyterPipPackages entry '{Printable(requirement)}' is not a pip requirement such as 'jupyterlab==4.*'.");
        }
        if (o.RStudioServerUrl.Length > 0)
        {
            CheckUrl(nameof(o.RStudioServerUrl), o.RStudioServerUrl, problems);
            if (!Sha256Pattern().IsMatch(o.RStudioServerSha256))
            {
                problems.Add($"RStudioServerSha256 '{Printable(o.RStudioServerSha256)}' must be the 64 lower-case hex digits of the SHA-256 of the file at RStudioServerUrl.");
            }
        }
        if (PythonVersion.TryParse(o.DefaultPythonVersion) is not { Minor: not null })
        {
            problems.Add($"DefaultPythonVersion '{Printable(o.DefaultPythonVersion)}' must be a major.minor version such as '3.11'.");
        }
        CheckPackages(nameof(o.SystemAptPackages), o.SystemAptPackages, problems);
        CheckPackages(nameof(o.JupyterAptPackages), o.JupyterAptPackages, problems);
        CheckPackages(nameof(o.ExtraAptPackages), o.ExtraAptPackages, problems);
        foreach (var package in o.JupyterCondaPackages)
        {
            if (!CondaSpecPattern().IsMatch(package))
            {
                problems.Add($"JupyterCondaPackages entry '{Printable(package)}' is not a conda package specification.");
            }
        }
        if (o.JupyterCommand.Count == 0 || o.JupyterCommand.Any(DockerfileText.HasControlCharacter))
        {
            problems.Add("JupyterCommand must be a non-empty list of arguments without line breaks.");
        }
        if (o.AppendixLines?.Any(line => line.Contains('\n', StringComparison.Ordinal) || line.Contains('\r', StringComparison.Ordinal)) == true)
        {
            problems.Add("AppendixLines must hold one Dockerfile line per entry.");
        }
        return problems;
    }

    internal static void CheckUser(string userName, int userId, List<string> problems)
    {
        if (!UserNamePattern().IsMatch(userName))
        {
            problems.Add($"The user name '{Printable(userName)}' must start with a lower-case letter or '_' and hold at most 32 lower-case letters, digits, '_' or '-'.");
        }
        if (userId is < 1 or > 2147483646)
        {
            problems.Add($"The user id {userId} must be between 1 and 2147483646: images run as a non-root user.");
        }
    }

    internal static bool IsImageReference(string value) =>
        value.Length is > 0 and <= 255 && ImagePattern().IsMatch(value);

    internal static bool IsAbsolutePath(string value) =>
        AbsolutePathPattern().IsMatch(value) && !value.Split('/').Contains("..");

    private static void CheckUrl(string setting, string value, List<string> problems)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "file")
            || value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '\'' or '"' or '`' or '\\'))
        {
            problems.Add($"{setting} '{Printable(value)}' must be an http, https or file URL without spaces or quotes.");
        }
    }

    private static void CheckPackages(string setting, IReadOnlyList<string> packages, List<string> problems)
    {
        foreach (var package in packages)
        {
            if (!AptTxt.IsValidPackage(package))
            {
                problems.Add($"{setting} entry '{Printable(package)}' is not a Debian package name.");
            }
        }
    }

    private static string Printable(string value) => PrintableText.Of(value);

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?\z")]
    private static partial Regex ImagePattern();

    [GeneratedRegex(@"^[a-z_][a-z0-9_-]{0,31}\z")]
    private static partial Regex UserNamePattern();

    [GeneratedRegex(@"^/[A-Za-z0-9._/-]*\z")]
    private static partial Regex AbsolutePathPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.:/+@%~-]*\z")]
    private static partial Regex ChannelPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.:=<>,*!-]*\z")]
    private static partial Regex CondaSpecPattern();

    [GeneratedRegex(@"^[0-9]+\.[0-9]+\.[0-9]+\z")]
    private static partial Regex JuliaVersionPattern();

    // A name with optional extras, then optional comma-separated version clauses (PEP 508 without markers or URLs).
    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\[[A-Za-z0-9._,-]+\])?(?:(?:===|==|!=|<=|>=|~=|<|>)[A-Za-z0-9.*+!_-]+(?:,(?:===|==|!=|<=|>=|~=|<|>)[A-Za-z0-9.*+!_-]+)*)?\z")]
    private static partial Regex PipRequirementPattern();

    [GeneratedRegex(@"^[0-9a-f]{64}\z")]
    private static partial Regex Sha256Pattern();
}
