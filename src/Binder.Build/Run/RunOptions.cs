namespace Binder.Build.Run;

/// <summary>How <c>binder build --run</c> starts a Jupyter server from a built image (configuration section <c>Run</c>).</summary>
public sealed record RunOptions
{
    /// <summary>
    /// The address the server listens on and the printed URL uses. The container uses the host's network, as
    /// <c>repo2docker --run</c> on one's own machine does: keep it on loopback, and run the service (whose sessions
    /// get a network of their own) for anything that others use.
    /// </summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>The arguments used when <see cref="JupyterArguments"/> is empty.</summary>
    public static readonly IReadOnlyList<string> DefaultJupyterArguments = ["--ip={host}", "--port={port}"];

    /// <summary>
    /// Arguments appended to the image's command, replacing its own values of the same flags; <c>{host}</c> and
    /// <c>{port}</c> are filled in. Empty: <see cref="DefaultJupyterArguments"/> (empty rather than the defaults
    /// themselves, because configuration binding appends to a list that already has items, so configured arguments
    /// could never replace them). The token is not among them: it goes in the <c>JUPYTER_TOKEN</c> environment
    /// variable, which every Jupyter server generation reads, so that it never shows in a process list.
    /// </summary>
    public IReadOnlyList<string> JupyterArguments { get; init; } = [];

    /// <summary>The arguments in effect: <see cref="JupyterArguments"/>, or the defaults when it is empty.</summary>
    public IReadOnlyList<string> EffectiveJupyterArguments => JupyterArguments.Count > 0 ? JupyterArguments : DefaultJupyterArguments;

    /// <summary>The most processes and threads the server's container may have at once (a fork loop stops there); 0 for no limit.</summary>
    public long PidsLimit { get; init; } = 1024;

    /// <summary>How long the server may take to answer before the run is given up.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
