using System.CommandLine;
using System.CommandLine.Parsing;
using Binder.Build;
using Binder.Build.Docker;
using Binder.Build.Run;
using Binder.Cli.Output;
using Microsoft.Extensions.Logging;

namespace Binder.Cli.Commands;

/// <summary>
/// <c>binder build SOURCE</c>: repo2docker's command. Fetches, builds, optionally pushes, and with <c>--run</c>
/// starts the image and keeps it running until Ctrl-C. <c>binder build SOURCE -- CMD ARGS...</c> runs CMD in the built
/// image instead and exits with its exit code, as <c>repo2docker SOURCE CMD</c> does.
/// </summary>
internal static class BuildCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var source = new Argument<string>("source") { Description = "A local directory, a git URL, a DOI (10.5281/zenodo.3242074, https://doi.org/...) or a Zenodo, Figshare, Dataverse or HydroShare record URL" };
        var gitRef = new Option<string?>("--ref") { Description = "Branch, tag or commit to build (default: the default branch)" };
        var subdir = new Option<string?>("--subdir") { Description = "Build this directory of the repository instead of its root" };
        var imageName = new Option<string?>("--image-name") { Description = "Name (and tag) of the image, e.g. registry:5000/me/analysis:v1" };
        var noBuild = new Option<bool>("--no-build") { Description = "Print the Dockerfile instead of building" };
        var push = new Option<bool>("--push") { Description = "Push the image to its registry after the build, with its layer cache (BuildKit inline cache) for --cache-from" };
        var cacheFrom = new Option<string[]>("--cache-from")
        {
            Description = "Reuse the layers of an image pushed with --push, e.g. the last commit's image (repeatable; a missing image is skipped)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var run = new Option<bool>("--run") { Description = "Start the image as a Jupyter server and print its URL; Ctrl-C stops and removes it" };
        var jsonLogs = new Option<bool>("--json-logs") { Description = "Print one JSON object per line: {\"phase\", \"message\"}" };
        var userId = new Option<int?>("--user-id") { Description = "The uid of the image's user (default 1000)" };
        var userName = new Option<string?>("--user-name") { Description = "The name of the image's user (default jovyan)" };
        var buildArgs = new Option<string[]>("--build-arg") { Description = "A build argument KEY=VALUE (repeatable)", Arity = ArgumentArity.ZeroOrMore };
        var labels = new Option<string[]>("--label") { Description = "An image label KEY=VALUE (repeatable)", Arity = ArgumentArity.ZeroOrMore };
        var imageCommand = new Argument<string[]>("command")
        {
            Description = "After --: a command to run in the built image, as its user and in the repository's directory; binder exits with its exit code",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var command = new Command("build", "Build a repository's environment into an image (and run it, or run a command in it: binder build DIR -- CMD ARGS...).")
        {
            source, gitRef, subdir, imageName, noBuild, push, cacheFrom, run, jsonLogs, userId, userName, buildArgs, labels, imageCommand,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var afterDoubleDash = CommandAfterDoubleDash(parse);
            var commandStarted = false;
            // With a command, its output is what stdout carries; the build's progress goes to stderr.
            var progress = afterDoubleDash is { Count: > 0 } ? stderr : stdout;
            IBuildOutput output = parse.GetValue(jsonLogs) ? new JsonBuildOutput(progress) : new PlainBuildOutput(progress, stderr);
            try
            {
                var toRun = CheckCommandUsage(parse, source, imageCommand, afterDoubleDash);
                var settings = BinderSettings.Load(parse.GetValue(BinderCommandLine.Config) ?? []);
                using var loggers = LoggerFactory.Create(logging => logging
                    .AddSimpleConsole(console => console.SingleLine = true)
                    .AddFilter(level => level >= (parse.GetValue(BinderCommandLine.Verbose) ? LogLevel.Debug : LogLevel.Warning))
                    .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
                using var engine = new BuildEngine(settings, loggers);
                var request = new RepoBuildRequest
                {
                    Source = parse.GetValue(source)!,
                    Ref = parse.GetValue(gitRef),
                    Subdirectory = parse.GetValue(subdir),
                    ImageName = parse.GetValue(imageName),
                    NoBuild = parse.GetValue(noBuild),
                    Push = parse.GetValue(push),
                    CacheFrom = CacheSources(parse.GetValue(cacheFrom)),
                    UserId = parse.GetValue(userId),
                    UserName = parse.GetValue(userName),
                    BuildArgs = KeyValues("--build-arg", parse.GetValue(buildArgs)),
                    Labels = KeyValues("--label", parse.GetValue(labels)),
                };
                if (request.NoBuild && (request.Push || parse.GetValue(run) || toRun is not null))
                {
                    throw new SettingsException("--no-build cannot be combined with --push, --run or a command after --: there would be no image.");
                }
                if (toRun is not null && parse.GetValue(run))
                {
                    throw new SettingsException("--run starts Jupyter and a command after -- runs instead of it: give one of them.");
                }
                var result = await engine.Builder.BuildAsync(request, output.Event, cancellationToken).ConfigureAwait(false);
                if (request.NoBuild)
                {
                    output.Dockerfile(result.Dockerfile);
                    return ExitCodes.Ok;
                }
                if (toRun is not null)
                {
                    commandStarted = true;
                    return await RunCommandAsync(engine, result, toRun, stdout, stderr, cancellationToken).ConfigureAwait(false);
                }
                if (parse.GetValue(run))
                {
                    await RunUntilStoppedAsync(engine, result.ImageName, request.UserId ?? settings.Buildpacks.UserId, output, cancellationToken).ConfigureAwait(false);
                }
                return ExitCodes.Ok;
            }
            catch (BinderBuildException e)
            {
                output.Failed(e.Message);
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                output.Failed(commandStarted ? "Stopped the command; its container was removed." : "Stopped before the build finished.");
                return 130;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever went wrong, a person (or the program reading --json-logs) gets a failed line, not a trace.
                output.Failed($"Unexpected error ({e.GetType().Name}): {Binder.Build.Content.GitCli.Redact(e.Message)} Run again with --verbose for details, and report it if it persists.");
                if (parse.GetValue(BinderCommandLine.Verbose)) await stderr.WriteLineAsync(Binder.Build.Content.GitCli.Redact(e.ToString())).ConfigureAwait(false);
                return ExitCodes.Error;
            }
        });
        return command;
    }

    /// <summary>The <c>--cache-from</c> images, each checked to be an image name so a typo is not silently skipped by BuildKit.</summary>
    private static List<string> CacheSources(string[]? images)
    {
        var sources = new List<string>();
        foreach (var image in images ?? [])
        {
            if (!Binder.Build.Registry.ImageReference.TryParse(image, out _))
            {
                throw new SettingsException(
                    $"--cache-from '{image}' is not an image name: use [registry/]name:tag in lower case, e.g. registry.example.org:5000/binder/analysis:v1.");
            }
            sources.Add(image);
        }
        return sources;
    }

    /// <summary>
    /// The words after <c>--</c>, or null when there is no <c>--</c>. Read from the tokens rather than the argument so
    /// that stray words before <c>--</c> are not mistaken for a command.
    /// </summary>
    private static List<string>? CommandAfterDoubleDash(ParseResult parse)
    {
        var tokens = parse.Tokens;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Type == TokenType.DoubleDash)
            {
                return [.. tokens.Skip(i + 1).Select(t => t.Value)];
            }
        }
        return null;
    }

    /// <summary>The command to run after the build, or null for none; refuses the ways of writing it that cannot be meant.</summary>
    private static List<string>? CheckCommandUsage(ParseResult parse, Argument<string> source, Argument<string[]> imageCommand, List<string>? afterDoubleDash)
    {
        var sourceToken = parse.GetResult(source)?.Tokens.FirstOrDefault();
        if (afterDoubleDash is null)
        {
            if (parse.GetValue(imageCommand) is { Length: > 0 } stray)
            {
                throw new SettingsException(
                    $"Unexpected argument '{stray[0]}' after the repository. To run a command in the built image, put it after --: binder build DIR -- {string.Join(' ', stray)}");
            }
            return null;
        }
        var doubleDash = parse.Tokens.ToList().FindIndex(t => t.Type == TokenType.DoubleDash);
        if (sourceToken is null || parse.Tokens.ToList().IndexOf(sourceToken) > doubleDash)
        {
            throw new SettingsException("Give the repository before --, and the command after it: binder build DIR -- CMD ARGS...");
        }
        if (afterDoubleDash.Count == 0)
        {
            throw new SettingsException("-- must be followed by the command to run in the built image, e.g. binder build . -- ./verify");
        }
        return afterDoubleDash;
    }

    /// <summary>Runs the command in the image, its output to ours, and returns its exit code.</summary>
    private static async Task<int> RunCommandAsync(
        BuildEngine engine, RepoBuildResult result, IReadOnlyList<string> command, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var toRun = new ImageCommand
        {
            Image = result.ImageName,
            Command = command,
            User = result.UserId?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            WorkingDir = result.RepoDir,
        };
        return await engine.Commands.RunAsync(toRun, frame =>
        {
            var writer = frame.Stream == DockerLogStream.Stderr ? stderr : stdout;
            writer.Write(frame.Text);
            writer.Flush();
        }, cancellationToken).ConfigureAwait(false);
    }

    private static async Task RunUntilStoppedAsync(BuildEngine engine, string image, int userId, IBuildOutput output, CancellationToken cancellationToken)
    {
        var notebook = await engine.Runner.StartAsync(image, userId, cancellationToken).ConfigureAwait(false);
        try
        {
            output.Running(notebook.Url, notebook.Token);
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM: the normal way to end a run.
        }
        finally
        {
            await engine.Runner.StopAsync(notebook).ConfigureAwait(false);
        }
    }

    private static Dictionary<string, string> KeyValues(string option, string[]? items)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items ?? [])
        {
            var equals = item.IndexOf('=');
            if (equals <= 0)
            {
                throw new SettingsException($"{option} '{item}' is not of the form KEY=VALUE.");
            }
            result[item[..equals]] = item[(equals + 1)..];
        }
        return result;
    }
}
