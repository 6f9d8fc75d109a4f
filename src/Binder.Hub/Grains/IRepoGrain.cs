using Binder.Hub.Events;
using Binder.Hub.Providers;

namespace Binder.Hub.Grains;

/// <summary>
/// One per <see cref="ResolvedRepo.GrainKey"/> (<c>provider/repository@resolved</c>): builds the image once however
/// many callers ask, across silos, and fans the build's events out to every watcher.
/// </summary>
[Alias("binder.IRepoGrain")]
public interface IRepoGrain : IGrainWithStringKey
{
    /// <summary>
    /// Streams the build's events: the history so far first (a late joiner sees the whole log), then live events, ending
    /// with <c>built</c> (with <c>imageName</c>) or <c>failed</c>. Starts the build when the image is neither known nor in
    /// the registry (or the local daemon); a failed build is retried by the next call. Cancelling the enumeration only
    /// stops this watcher.
    /// </summary>
    [Alias("Watch")]
    IAsyncEnumerable<BinderEvent> Watch(ResolvedRepo repo, CancellationToken cancellationToken);

    /// <summary>The persisted status: unknown, building, built or failed.</summary>
    [Alias("GetStatus")]
    Task<RepoBuildStatus> GetStatus();

    /// <summary>What the built image has installed, as its build recorded it; null when that is not known (see <see cref="RecordedEnvironment"/>).</summary>
    [Alias("GetEnvironment")]
    Task<RecordedEnvironment?> GetEnvironment();

    /// <summary>The kept log of the last build (bounded by configuration).</summary>
    [Alias("GetLog")]
    Task<IReadOnlyList<BinderEvent>> GetLog();
}
