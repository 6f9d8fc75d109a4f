using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Binder.Server.Build;

/// <summary>
/// What one <c>/build</c> request does, without HTTP: parse and resolve the spec, check access, watch the repo grain's
/// build, then (unless build-only) launch a session through a new launch grain, passing every event to
/// <c>emit</c>. Every way it can end sends exactly one final event (<c>ready</c> or <c>failed</c>).
/// </summary>
internal sealed partial class BuildFlow(
    RepoLookup lookup,
    IGrainFactory grains,
    PublicAddresses addresses,
    IOptions<ServerOptions> options,
    RepoWatches watches,
    ILogger<BuildFlow> logger)
{
    /// <summary>BinderHub's refusal, word for word, so clients that match on it keep working.</summary>
    public const string BuildOnlyRefused = "Building but not launching is not permitted when the API only mode was not enabled.";

    public async Task RunAsync(BuildRequest request, Func<BinderEvent, CancellationToken, Task> emit, CancellationToken cancellationToken)
    {
        var server = options.Value;
        if (request.BuildOnly && !server.BuildOnlyAllowed)
        {
            await emit(BuildFailure.Of(400, BuildOnlyRefused + " Ask the operator to set Server:ApiOnly or Server:AllowBuildOnly, or leave out build_only=true."), cancellationToken).ConfigureAwait(false);
            return;
        }

        RepoSpec spec;
        ResolvedRepo repo;
        int? quota;
        try
        {
            spec = lookup.Parse(request.Provider, request.Spec);
            var refusal = lookup.CheckAccess(spec, request.ClientAddress);
            if (refusal is not null)
            {
                LogRefused(logger, spec.FullSpec, refusal);
                await emit(BuildFailure.Of(403, refusal), cancellationToken).ConfigureAwait(false);
                return;
            }
            quota = lookup.QuotaFor(spec);
            repo = await lookup.ResolveAsync(spec, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidSpecException e)
        {
            await emit(BuildFailure.Of(400, e.Message), cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (SpecNotFoundException e)
        {
            await emit(BuildFailure.Of(404, e.Message), cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (ProviderUnavailableException e)
        {
            await emit(BuildFailure.Of(503, e.Message), cancellationToken).ConfigureAwait(false);
            return;
        }

        var image = await WatchBuildAsync(repo, request, emit, cancellationToken).ConfigureAwait(false);
        if (image is null) return;
        if (request.BuildOnly)
        {
            await emit(new BinderEvent { Phase = BinderPhases.Ready, Message = "Done! Image built\n", ImageName = image }, cancellationToken).ConfigureAwait(false);
            return;
        }
        await LaunchAsync(repo, image, quota, request, emit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Relays the repo grain's events; returns the image when built, null when the stream ended otherwise.</summary>
    private async Task<string?> WatchBuildAsync(ResolvedRepo repo, BuildRequest request, Func<BinderEvent, CancellationToken, Task> emit, CancellationToken cancellationToken)
    {
        var key = repo.GrainKey;
        var grain = grains.GetGrain<IRepoGrain>(key);
        try
        {
            // Cancelling (the client left) only ends this watcher: the grain keeps building for everyone else. Clients
            // asking for the same commit at the same time share one stream of the grain's.
            await foreach (var e in watches.Watch(key, ct => grain.Watch(repo, ct), cancellationToken).ConfigureAwait(false))
            {
                if (e.Phase == BinderPhases.Built)
                {
                    // BinderHub sends `ready` instead of `built` to a build-only request.
                    if (!request.BuildOnly) await emit(e, cancellationToken).ConfigureAwait(false);
                    return e.ImageName ?? throw new InvalidOperationException($"The repo grain {key} reported 'built' without an image name.");
                }
                if (e.Phase == BinderPhases.Failed)
                {
                    await emit(e, cancellationToken).ConfigureAwait(false);
                    return null;
                }
                await emit(e, cancellationToken).ConfigureAwait(false);
            }
            await emit(BuildFailure.Of(500, $"The build of {repo.Spec.FullSpec} ended without a result. Try again; if it persists, tell the operator."), cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is not IOException && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            var cause = e is RepoWatchFailedException { InnerException: { } grainError } ? grainError : e;
            LogGrainFailed(logger, key, cause);
            // The silo holding the repo grain died (a crashed node): say so, and that asking again builds on a live node.
            await emit(cause is global::Orleans.Runtime.SiloUnavailableException
                ? BuildFailure.Of(503, $"The Binder node that was running the build of {repo.Spec.FullSpec} stopped answering (it crashed or is restarting). Ask again: the build starts over on a live node.")
                : BuildFailure.Of(500, $"Binder could not run the build of {repo.Spec.FullSpec} ({cause.GetType().Name}). Try again in a minute; if it persists, tell the operator."), cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    private async Task LaunchAsync(ResolvedRepo repo, string image, int? quota, BuildRequest request, Func<BinderEvent, CancellationToken, Task> emit, CancellationToken cancellationToken)
    {
        var server = options.Value;
        var sessionId = SessionIds.NewSessionId();
        var order = new LaunchOrder
        {
            Repo = repo,
            ImageName = image,
            RepoQuota = quota,
            // The launch grain names the session's URL after its own node's proxy; this is the front end's view.
            PublicBaseUrl = EnsureSlash(addresses.SessionsUrl?.ToString() ?? addresses.LaunchHost),
            LaunchHost = addresses.LaunchHost,
            BinderRequest = "v2/" + repo.Spec.FullSpec,
            ClientAddress = request.ClientAddress?.ToString(),
        };
        try
        {
            // The request's token goes to the launch: a client that leaves before `ready` stops its launch, and the
            // launch grain removes whatever it had started. A client that leaves after `ready` was produced leaves a
            // session nobody uses; the idle culler removes it.
            await foreach (var e in grains.GetGrain<ILaunchGrain>(sessionId).Launch(order, cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await emit(e, cancellationToken).ConfigureAwait(false);
                if (BinderPhases.IsFinal(e.Phase)) return;
            }
            await emit(BuildFailure.Of(500, "The launch ended without a result. Try again; if it persists, tell the operator."), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not IOException && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            LogGrainFailed(logger, sessionId, e);
            await emit(BuildFailure.Of(500, $"Binder could not launch {repo.Spec.FullSpec} ({e.GetType().Name}). Try again in a minute; if it persists, tell the operator."), cancellationToken).ConfigureAwait(false);
        }
    }

    private static string EnsureSlash(string url) => url.EndsWith('/') ? url : url + "/";

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused {Spec}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string spec, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The call to grain {Key} failed")]
    private static partial void LogGrainFailed(ILogger logger, string key, Exception exception);
}
