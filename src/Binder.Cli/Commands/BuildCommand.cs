using System.CommandLine;
using Binder.Build;
using Binder.Cli.Output;
using Microsoft.Extensions.Logging;

namespace Binder.Cli.Commands;

/// <summary>
/// <c>binder build SOURCE</c>: repo2docker's command. Fetches, builds, optionally pushes, and with <c>--run</c>
/// starts the image and keeps it running until Ctrl-C.
/// </summary>
internal static class BuildCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var source = new Argument<string>("source") { Description = "A local directory or a git URL" };
        var gitRef = new Option<string?>("--ref") { Description = "Branch, tag or commit to build (default: the default branch)" };
        var subdir = new Option<string?>("--subdir") { Description = "Build this directory of the repository instead of its root" };
        var imageName = new Option<string?>("--image-name") { Description = "Name (and tag) of the image, e.g. registry:5000/me/analysis:v1" };
        var noBuild = new Option<bool>("--no-build") { Description = "Print the Dockerfile instead of building" };
        var push = new Option<bool>("--push") { Description = "Push the image to its registry after the build" };
        var run = new Option<bool>("--run") { Description = "Start the image as a Jupyter server and print its URL; Ctrl-C stops and removes it" };
        var jsonLogs = new Option<bool>("--json-logs") { Description = "Print one JSON object per line: {\"phase\", \"message\"}" };
        var userId = new Option<int?>("--user-id") { Description = "The uid of the image's user (default 1000)" };
        var userName = new Option<string?>("--user-name") { Description = "The name of the image's user (default jovyan)" };
        var buildArgs = new Option<string[]>("--build-arg") { Description = "A build argument KEY=VALUE (repeatable)", Arity = ArgumentArity.ZeroOrMore };
        var labels = new Option<string[]>("--label") { Description = "An image label KEY=VALUE (repeatable)", Arity = ArgumentArity.ZeroOrMore };

        var command = new Command("build", "Build a repository's environment into an image (and run it).")
        {
            source, gitRef, subdir, imageName, noBuild, push, run, jsonLogs, userId, userName, buildArgs, labels,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            IBuildOutput output = parse.GetValue(jsonLogs) ? new JsonBuildOutput(stdout) : new PlainBuildOutput(stdout, stderr);
            try
            {
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
                    UserId = parse.GetValue(userId),
                    UserName = parse.GetValue(userName),
                    BuildArgs = KeyValues("--build-arg", parse.GetValue(buildArgs)),
                    Labels = KeyValues("--label", parse.GetValue(labels)),
                };
                if (request.NoBuild && (request.Push || parse.GetValue(run)))
                {
                    throw new SettingsException("--no-build cannot be combined with --push or --run: there would be no image.");
                }
                var result = await engine.Builder.BuildAsync(request, output.Event, cancellationToken).ConfigureAwait(false);
                if (request.NoBuild)
                {
                    output.Dockerfile(result.Dockerfile);
                    return ExitCodes.Ok;
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
                output.Failed("Stopped before the build finished.");
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
