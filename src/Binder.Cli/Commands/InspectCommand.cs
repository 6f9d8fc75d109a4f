using System.CommandLine;
using System.Text.Json;
using Binder.Build;
using Binder.Build.Docker;
using Binder.Build.Manifest;
using Binder.Build.Registry;
using Microsoft.Extensions.Logging;

namespace Binder.Cli.Commands;

/// <summary>
/// <c>binder inspect IMAGE [--json] [--pull]</c>: what an image built by Binder has installed, as its build recorded
/// it, grouped by package manager. Exit 0 when listed; 2 when the image is not on the daemon or has no readable
/// manifest, or <c>--pull</c> could not pull it (no such image or tag, or the registry cannot be reached); 3 when the
/// daemon cannot be reached; 4 when <c>--pull</c> is refused by the registry (credentials or permission).
/// </summary>
internal static class InspectCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var image = new Argument<string>("image") { Description = "The image, by name (with tag) or id, on the configured Docker daemon" };
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object: {\"image\", \"imageId\", \"environment\": {\"schemaVersion\", \"sections\": [{\"manager\", \"environment\", \"packages\": [{\"name\", \"version\"}], \"error\"}]}}",
        };
        var pull = new Option<bool>("--pull") { Description = "Pull the image from its registry first when the daemon does not have it" };
        var command = new Command("inspect", "List what an image built by Binder has installed (pip, conda, R, Julia and Debian packages), as its build recorded it.")
        {
            image, json, pull,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var settings = BinderSettings.Load(parse.GetValue(BinderCommandLine.Config) ?? []);
                using var loggers = LoggerFactory.Create(logging => logging
                    .AddSimpleConsole(console => console.SingleLine = true)
                    .AddFilter(level => level >= (parse.GetValue(BinderCommandLine.Verbose) ? LogLevel.Debug : LogLevel.Warning))
                    .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
                using var docker = new DockerClient(settings.Docker, loggers.CreateLogger<DockerClient>());
                var name = parse.GetValue(image)!;
                var info = await docker.InspectImageAsync(name, cancellationToken).ConfigureAwait(false);
                if (info is null && parse.GetValue(pull))
                {
                    if (!ImageReference.TryParse(name, out var reference))
                    {
                        throw new SettingsException($"'{name}' is not an image name that can be pulled: use [registry/]name[:tag].");
                    }
                    try
                    {
                        await docker.PullImageAsync(name, settings.Registry.CredentialsFor(reference.Registry), null, cancellationToken).ConfigureAwait(false);
                    }
                    catch (DockerImageTransferException e)
                    {
                        // No such image or tag, or a registry that cannot be reached: both leave nothing to inspect.
                        await stderr.WriteLineAsync("binder: " + e.Message.TrimEnd()).ConfigureAwait(false);
                        return ExitCodes.BadInput;
                    }
                    info = await docker.InspectImageAsync(name, cancellationToken).ConfigureAwait(false);
                }
                if (info is null)
                {
                    await stderr.WriteLineAsync($"binder: There is no image '{name}' on the Docker daemon at {docker.Endpoint}. Check the name (docker images lists them), or add --pull to pull it from its registry.").ConfigureAwait(false);
                    return ExitCodes.BadInput;
                }
                var manifest = await new EnvironmentManifestReader(docker, loggers.CreateLogger<EnvironmentManifestReader>()).ReadAsync(info.Id, cancellationToken).ConfigureAwait(false);
                if (manifest is null)
                {
                    await stderr.WriteLineAsync(
                        $"binder: The image '{name}' has no recorded environment (no {EnvironmentManifest.Label} label): only images Binder builds from a generated Dockerfile record one. " +
                        "A repository's own Dockerfile, an image built before Binder recorded environments, or one built with Binder:Buildpacks:RecordEnvironment=false has none.").ConfigureAwait(false);
                    return ExitCodes.BadInput;
                }
                if (parse.GetValue(json))
                {
                    await stdout.WriteLineAsync(JsonSerializer.Serialize(new InspectOutput(name, info.Id, manifest), CliJson.Default.InspectOutput)).ConfigureAwait(false);
                }
                else
                {
                    await stdout.WriteAsync(Text(name, info.Id, manifest)).ConfigureAwait(false);
                }
                return ExitCodes.Ok;
            }
            catch (BinderBuildException e)
            {
                await stderr.WriteLineAsync("binder: " + e.Message.TrimEnd()).ConfigureAwait(false);
                return e.ExitCode;
            }
        });
        return command;
    }

    /// <summary>
    /// The widest name column: longer names push their version out instead of every line being padded to them (one
    /// long name would otherwise multiply the output by the number of packages).
    /// </summary>
    internal const int MaxPadding = 48;

    /// <summary>The manifest grouped by manager: a heading per section, then one aligned <c>name  version</c> line per package.</summary>
    internal static string Text(string image, string imageId, EnvironmentManifest manifest)
    {
        var text = new System.Text.StringBuilder();
        text.Append("Image ").Append(image).Append(" (").Append(imageId).Append(")\n");
        text.Append("Recorded in ").Append(EnvironmentManifest.ImagePath).Append(" (schema ").Append(manifest.SchemaVersion).Append(")\n");
        if (manifest.Error is { } error)
        {
            text.Append("\nNothing was recorded: ").Append(error).Append('\n');
        }
        foreach (var section in ManifestSummary.Ordered(manifest))
        {
            text.Append('\n').Append(ManifestSummary.Count(section)).Append('\n');
            var packages = section.Packages ?? [];
            var width = packages.Count == 0 ? 0 : Math.Min(MaxPadding, packages.Max(p => p.Name.Length));
            foreach (var package in packages)
            {
                text.Append("  ").Append(package.Name.PadRight(width)).Append("  ").Append(package.Version).Append('\n');
            }
        }
        return text.ToString();
    }
}

/// <summary><c>binder inspect --json</c>'s object.</summary>
internal sealed record InspectOutput(string Image, string ImageId, EnvironmentManifest Environment);
