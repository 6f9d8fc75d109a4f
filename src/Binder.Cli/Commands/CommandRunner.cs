using Binder.Build;

namespace Binder.Cli.Commands;

/// <summary>Turns the errors a person can act on into a message and an exit code, never a stack trace.</summary>
internal static class CommandRunner
{
    public static int Run(TextWriter stderr, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (BinderBuildException e)
        {
            stderr.WriteLine("binder: " + e.Message.TrimEnd());
            return e.ExitCode;
        }
    }
}
