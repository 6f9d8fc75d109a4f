namespace Binder.Build.Run;

/// <summary>A Jupyter server running in a container.</summary>
/// <param name="ContainerId">The container's id.</param>
/// <param name="Url">The URL to open, token included.</param>
/// <param name="Token">The server's token.</param>
/// <param name="Port">The port it listens on.</param>
public sealed record RunningNotebook(string ContainerId, string Url, string Token, int Port);
