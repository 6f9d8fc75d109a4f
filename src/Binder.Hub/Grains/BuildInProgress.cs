namespace Binder.Hub.Grains;

/// <summary>A build a builder grain holds: running on its node or waiting for a slot.</summary>
/// <param name="RepoKey">The repo grain key of what is built (<c>provider/repository@resolved</c>).</param>
/// <param name="ImageName">The image it makes.</param>
/// <param name="Since">When it started running, or when it joined the queue while it waits.</param>
[GenerateSerializer, Alias("binder.BuildInProgress")]
public sealed record BuildInProgress(string RepoKey, string ImageName, DateTimeOffset Since);
