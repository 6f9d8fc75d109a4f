namespace Binder.Hub.Events;

/// <summary>The phases of BinderHub's <c>/build</c> event stream.</summary>
public static class BinderPhases
{
    /// <summary>Queued, or waiting for a build that another request started.</summary>
    public const string Waiting = "waiting";
    /// <summary>Fetching the repository's content.</summary>
    public const string Fetching = "fetching";
    /// <summary>Building the image; messages are the build's log lines.</summary>
    public const string Building = "building";
    /// <summary>Pushing the image to the registry.</summary>
    public const string Pushing = "pushing";
    /// <summary>The image exists (built now or before).</summary>
    public const string Built = "built";
    /// <summary>Starting the session.</summary>
    public const string Launching = "launching";
    /// <summary>The session answers (or, build-only, the image is ready).</summary>
    public const string Ready = "ready";
    /// <summary>The request failed; the message says why.</summary>
    public const string Failed = "failed";

    /// <summary>Whether no event follows one of this phase.</summary>
    public static bool IsFinal(string phase) => phase is Ready or Failed;
}
