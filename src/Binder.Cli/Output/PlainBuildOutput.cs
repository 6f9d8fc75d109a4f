using Binder.Build;

namespace Binder.Cli.Output;

/// <summary>Live progress for a person: a header when the phase changes, then the log lines as they come.</summary>
internal sealed class PlainBuildOutput(TextWriter stdout, TextWriter stderr) : IBuildOutput
{
    private BuildPhase? phase;

    public void Event(BuildEvent buildEvent)
    {
        lock (this)
        {
            if (phase != buildEvent.Phase)
            {
                phase = buildEvent.Phase;
                if (buildEvent.Phase != BuildPhase.Built) stdout.WriteLine($"==> {buildEvent.PhaseName}");
            }
            stdout.Write(buildEvent.Message);
            stdout.Flush();
        }
    }

    public void Dockerfile(string text) => stdout.Write(text.EndsWith('\n') ? text : text + "\n");

    public void Running(string url, string token)
    {
        stdout.WriteLine("==> ready");
        stdout.WriteLine($"Jupyter is running at {url}");
        stdout.WriteLine("Press Ctrl-C to stop it (the container is removed).");
        stdout.Flush();
    }

    public void Failed(string message) => stderr.WriteLine("binder: " + message.TrimEnd());
}
