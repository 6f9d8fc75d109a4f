using Binder.Build;

namespace Binder.Cli.Output;

/// <summary>Where <c>binder build</c> reports progress: plain text for a person, or JSON lines for a program.</summary>
internal interface IBuildOutput
{
    void Event(BuildEvent buildEvent);

    void Dockerfile(string text);

    void Running(string url, string token);

    void Failed(BinderBuildException error);
}
