namespace Binder.Server.Build;

/// <summary>
/// The shared watch of a repo grain (<see cref="RepoWatches"/>) ended with an error; every client that read it gets
/// one of these, each its own instance, with the grain call's error as <see cref="Exception.InnerException"/>.
/// </summary>
internal sealed class RepoWatchFailedException(Exception error) : Exception(error.Message, error);
