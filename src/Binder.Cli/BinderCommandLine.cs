using System.CommandLine;
using Binder.Cli.Commands;

namespace Binder.Cli;

/// <summary>The <c>binder</c> command: its subcommands and the options every subcommand shares.</summary>
internal static class BinderCommandLine
{
    /// <summary>Repeatable <c>--config Section:Key=value</c>, the highest-precedence configuration source.</summary>
    public static readonly Option<string[]> Config = new("--config", "-c")
    {
        Description = "Set a configuration value, e.g. --config Buildpacks:BaseImage=debian:bookworm (repeatable; overrides appsettings.json and BINDER_ variables)",
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Show the service's own diagnostic log on standard error",
    };

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("Binder: build a repository's environment into a container image and run it (repo2docker in C#), or serve launch links for everyone (BinderHub in C#).");
        root.Options.Add(Config);
        root.Options.Add(Verbose);
        Config.Recursive = true;
        Verbose.Recursive = true;
        root.Subcommands.Add(DetectCommand.Create(stdout, stderr));
        root.Subcommands.Add(LintCommand.Create(stdout, stderr));
        root.Subcommands.Add(BuildCommand.Create(stdout, stderr));
        root.Subcommands.Add(InspectCommand.Create(stdout, stderr));
        root.Subcommands.Add(ServeCommand.Create(stdout, stderr));

        var parse = root.Parse(args);
        // No termination timeout: serve turns SIGINT/SIGTERM into cancellation itself and must finish stopping (grains
        // deactivated, the owned proxy stopped) however long that takes; the default 2 s would exit mid-stop.
        var invocation = new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = null };
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // The first Ctrl-C stops the work cleanly (containers removed); a second one ends the process.
            e.Cancel = !cancel.IsCancellationRequested;
            CancelQuietly(cancel);
        };
        Console.CancelKeyPress += onCancel;
        using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; CancelQuietly(cancel); });
        try
        {
            var exit = await parse.InvokeAsync(invocation, cancel.Token).ConfigureAwait(false);
            // A usage error is bad input (2), as documented; System.CommandLine's own 1 is what lint uses for findings.
            return parse.Errors.Count > 0 && exit == 1 ? Binder.Build.ExitCodes.BadInput : exit;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    // A signal handler can run while the command is returning and the source is being disposed: nothing left to stop then.
    private static void CancelQuietly(CancellationTokenSource cancel)
    {
        try
        {
            cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
