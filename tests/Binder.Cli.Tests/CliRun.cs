using System.Diagnostics;

namespace Binder.Cli.Tests;

/// <summary>Runs the <c>binder</c> command, in process (fast) or as a real child process (for signals).</summary>
internal static class CliRun
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> InProcessAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await BinderCommandLine.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Starts <c>dotnet binder.dll ARGS</c> from the test's output directory.</summary>
    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "binder.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }
}
