using System.CommandLine;
using Binder.Build;

namespace Binder.Cli.Commands;

/// <summary>Turns the errors a person can act on into a message and an exit code, never a stack trace.</summary>
internal static class CommandRunner
{
    public static int Run(TextWriter stderr, ParseResult parse, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (BinderBuildException e)
        {
            return Fail(stderr, e);
        }
    }

    public static async Task<int> RunAsync(TextWriter stderr, Func<Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (BinderBuildException e)
        {
            return Fail(stderr, e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("binder: stopped.").ConfigureAwait(false);
            return 130;
        }
    }

    private static int Fail(TextWriter stderr, BinderBuildException e)
    {
        stderr.WriteLine("binder: " + e.Message.TrimEnd());
        return e.ExitCode;
    }
}
