using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Binder.Build.Lint;

namespace Binder.Cli.Commands;

/// <summary>
/// <c>binder lint DIR [--json]</c>: what lets a repository's environment drift between builds, one finding a line
/// (<c>file:line: message; fix [rule]</c>); exit 0 when nothing is found, 1 when something is, 2 when DIR is not a directory.
/// </summary>
internal static class LintCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var directory = new Argument<string>("directory") { Description = "The repository's directory" };
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object: {\"buildpack\", \"environmentDirectory\", \"findings\": [{\"file\", \"line\", \"rule\", \"message\", \"fix\"}]}",
        };
        var command = new Command("lint", "Report what lets a repository's environment change between builds (unpinned requirements, no runtime.txt, no lock file), with the line and a fix.")
        {
            directory, json,
        };
        command.SetAction(parse => CommandRunner.Run(stderr, () =>
        {
            var settings = BinderSettings.Load(parse.GetValue(BinderCommandLine.Config) ?? []);
            LintReport report;
            try
            {
                report = new EnvironmentLinter(settings.Buildpacks, TimeProvider.System).Lint(parse.GetValue(directory)!);
            }
            catch (Exception e) when (e is not Binder.Build.BinderBuildException)
            {
                // Exit 1 means findings: a crash must not read as "the repository drifts" in a CI job.
                stderr.WriteLine($"binder: lint could not finish ({e.GetType().Name}: {e.Message}). This is a defect of binder lint; please report it with the file that caused it.");
                return Binder.Build.ExitCodes.LintFailed;
            }
            if (parse.GetValue(json))
            {
                var findings = report.Findings.Select(f => new LintFindingOutput(f.File, f.Line, f.Rule, f.Message, f.Fix)).ToList();
                stdout.WriteLine(JsonSerializer.Serialize(new LintOutput(report.Buildpack, report.EnvironmentDirectory, findings), CliJson.Default.LintOutput));
            }
            else
            {
                foreach (var f in report.Findings)
                {
                    stdout.WriteLine($"{f.File}{(f.Line is { } line ? ":" + line : "")}: {f.Message}; {f.Fix} [{f.Rule}]");
                }
                stdout.WriteLine(report.Findings.Count switch
                {
                    0 => $"{report.Buildpack}: nothing found that lets the environment change between builds",
                    1 => "1 finding",
                    var n => $"{n} findings",
                });
            }
            return report.Findings.Count == 0 ? Binder.Build.ExitCodes.Ok : Binder.Build.ExitCodes.LintFindings;
        }));
        return command;
    }
}

/// <summary><c>binder lint --json</c>'s object; <c>buildpack</c> is null when the build refuses the layout before choosing one.</summary>
internal sealed record LintOutput(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Buildpack,
    string EnvironmentDirectory,
    IReadOnlyList<LintFindingOutput> Findings);

/// <summary>One finding; <c>line</c> is null when the finding is about a whole file (or one that should exist).</summary>
internal sealed record LintFindingOutput(
    string File,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Line,
    string Rule,
    string Message,
    string Fix);
