using System.CommandLine;
using System.Text.Json;
using Binder.Build.Buildpacks;

namespace Binder.Cli.Commands;

/// <summary><c>binder detect DIR [--json]</c>: which buildpack a repository gets and which files decided it.</summary>
internal static class DetectCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var directory = new Argument<string>("directory") { Description = "The repository's directory" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: {\"buildpack\", \"environmentDirectory\", \"files\"}" };
        var command = new Command("detect", "Show which buildpack a repository's environment files select.") { directory, json };
        command.SetAction(parse => CommandRunner.Run(stderr, () =>
        {
            var settings = BinderSettings.Load(parse.GetValue(BinderCommandLine.Config) ?? []);
            var path = parse.GetValue(directory)!;
            if (!Directory.Exists(path))
            {
                throw new Binder.Build.Content.ContentException($"'{path}' is not a directory. Give the path of a repository checkout.");
            }
            var result = new BuildpackDetector(settings.Buildpacks).Detect(path);
            if (parse.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new DetectOutput(result.Buildpack, result.EnvironmentDirectory, result.Files), CliJson.Default.DetectOutput));
            }
            else
            {
                var where = result.EnvironmentDirectory.Length == 0 ? "" : $" (from {result.EnvironmentDirectory}/)";
                stdout.WriteLine($"{result.Buildpack}{where}: {(result.Files.Count == 0 ? "no environment files, the default" : string.Join(", ", result.Files))}");
            }
            return 0;
        }));
        return command;
    }
}

internal sealed record DetectOutput(string Buildpack, string EnvironmentDirectory, IReadOnlyList<string> Files);
