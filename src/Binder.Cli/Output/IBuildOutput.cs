using Binder.Build;

namespace Binder.Cli.Output;

/// <summary>Where <c>binder build</c> reports progress: plain text for a person, or JSON lines for a program.</summary>
internal interface IBuildOutput
{
    void Event(BuildEvent buildEvent);

    void Dockerfile(string text);

    void Running(string url, string token);

    /// <summary>The build ended without an image (or the run failed); the message is for a person.</summary>
    void Failed(string message);
}
