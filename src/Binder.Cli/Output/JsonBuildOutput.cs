using System.Text.Json;
using Binder.Build;

namespace Binder.Cli.Output;

/// <summary>One JSON object per line with <c>phase</c> and <c>message</c>, as BinderHub's event stream carries them.</summary>
internal sealed class JsonBuildOutput(TextWriter stdout) : IBuildOutput
{
    private string? imageName;

    public void Event(BuildEvent buildEvent)
    {
        imageName = buildEvent.ImageName ?? imageName;
        Write(new JsonLogLine(buildEvent.PhaseName, buildEvent.Message, buildEvent.ImageName)
        {
            EnvironmentKey = buildEvent.EnvironmentKey, ReusedEnvironmentOf = buildEvent.ReusedEnvironmentOf,
        });
    }

    public void Dockerfile(string text) => Write(new JsonLogLine("building", text.EndsWith('\n') ? text : text + "\n"));

    public void Running(string url, string token) => Write(new JsonLogLine("ready", $"Server running at {url}\n", imageName, url, token));

    public void Failed(string message) => Write(new JsonLogLine("failed", message.TrimEnd() + "\n"));

    private void Write(JsonLogLine line)
    {
        lock (this)
        {
            stdout.WriteLine(JsonSerializer.Serialize(line, CliJson.Default.JsonLogLine));
            stdout.Flush();
        }
    }
}
