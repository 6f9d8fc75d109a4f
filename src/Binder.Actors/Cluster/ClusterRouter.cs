using System.Collections.Concurrent;
using Binder.Actors.Runtime;

namespace Binder.Actors.Cluster;

/// <summary>Routes requests for grains that are not active in this process: chooses a silo by placement, registers
/// the grain in the directory when this silo is chosen, or forwards the call over HTTP/2 to the owner.</summary>
internal sealed class ClusterRouter(
    GrainRuntime runtime,
    ClusterView view,
    GrainDirectory? directory,
    SiloTransport transport,
    Func<CancellationToken, Task> refreshView,
    string nodeName)
{
    private const int MaxHops = 4;
    private readonly ConcurrentDictionary<GrainId, string> _owners = new();

    // The directory row (activation id) each local activation was created for; its unregistration deletes only that
    // row. Creating an activation and unregistering one take the grain's stripe, so an activation is only ever
    // created for a row that still exists, and a deactivating activation cannot delete a newer registration.
    private readonly ConcurrentDictionary<Activation, string> _registrations = new();
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    /// <summary>This silo's id, or null for a cluster client (which hosts nothing).</summary>
    public string? Self { get; set; }

    private bool IsHost => directory is not null && Self is not null;

    public void Route(Request request) => _ = RouteAsync(request);

    public void ForgetSilos()
    {
        foreach (var (grain, silo) in _owners)
        {
            if (!view.IsAlive(silo))
            {
                _owners.TryRemove(new KeyValuePair<GrainId, string>(grain, silo));
            }
        }
    }

    private SemaphoreSlim Stripe(GrainId id) => _stripes[(int)((uint)id.GetHashCode() % (uint)_stripes.Length)];

    public async Task UnregisterAsync(Activation activation)
    {
        if (directory is null || Self is null)
        {
            return;
        }

        var stripe = Stripe(activation.Id);
        await stripe.WaitAsync();
        try
        {
            if (_registrations.TryRemove(activation, out var registration))
            {
                await directory.UnregisterAsync(activation.Id.ToString(), Self, registration, CancellationToken.None);
            }
        }
        finally
        {
            stripe.Release();
        }
    }

    public bool OwnsReminder(string grainId) =>
        Self is not null && ClusterView.Rendezvous(grainId, view.Active)?.SiloId == Self;

    private async Task RouteAsync(Request request)
    {
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await RouteOnceAsync(request);
                    return;
                }
                catch (NoSiloAvailableException) when (attempt == 0)
                {
                    // The view may predate a silo that just joined: read membership once before failing.
                    await refreshView(CancellationToken.None);
                }
                catch (SiloUnavailableException e) when (e.NotDelivered && attempt < 2 && request is not StreamRequest)
                {
                    // The call never reached the silo. If it left the cluster (a graceful shutdown), route again.
                    await refreshView(CancellationToken.None);
                    if (e.Silo is null || view.IsAlive(e.Silo))
                    {
                        throw;
                    }

                    _owners.TryRemove(request.Target, out _);
                }
            }
        }
        catch (OperationCanceledException) when (CallToken(request).IsCancellationRequested)
        {
            request.SetCanceled();
        }
        catch (Exception e)
        {
            request.SetException(e);
        }
    }

    private async Task RouteOnceAsync(Request request)
    {
        {
            if (request.Hops > MaxHops)
            {
                throw new SiloUnavailableException(
                    $"{request.Describe()} was forwarded {MaxHops} times between silos without finding its activation; membership is changing, retry the call.");
            }

            string target;
            if (_owners.TryGetValue(request.Target, out var cached) && view.IsAlive(cached))
            {
                target = cached;
            }
            else if (IsHost && request.Remote && AcceptsHere(request))
            {
                target = Self!;
            }
            else
            {
                target = Place(request);
            }

            if (IsHost && target == Self)
            {
                var registration = Guid.NewGuid().ToString("N");
                var (owner, held) = await directory!.RegisterAsync(request.Target.ToString(), Self!, registration, CancellationToken.None);
                if (owner == Self)
                {
                    if (await ActivateForAsync(request, held ?? registration, fresh: held == registration))
                    {
                        return;
                    }

                    // The row this silo held was deleted by the activation that is gone now: register again.
                    request.Hops++;
                    await RouteOnceAsync(request);
                    return;
                }

                _owners[request.Target] = owner;
                target = owner;
            }

            await ForwardAsync(request, target);
        }
    }

    /// <summary>Delivers to the local activation, or creates one bound to <paramref name="registration"/> if that row
    /// still exists (<paramref name="fresh"/>: this call just inserted it). False when the row is gone.</summary>
    private async Task<bool> ActivateForAsync(Request request, string registration, bool fresh)
    {
        var stripe = Stripe(request.Target);
        await stripe.WaitAsync();
        try
        {
            // An activation in the catalog takes the call; if it is deactivating it re-dispatches the call, which
            // then routes again once it has unregistered.
            if (!runtime.TryGetActivation(request.Target, out _))
            {
                if (!fresh && !await directory!.HoldsAsync(request.Target.ToString(), Self!, registration, CancellationToken.None))
                {
                    return false;
                }

                runtime.DispatchToNewActivation(request);
                if (runtime.TryGetActivation(request.Target, out var created))
                {
                    _registrations[created] = registration;
                }

                return true;
            }

            runtime.DispatchToNewActivation(request);
            return true;
        }
        finally
        {
            stripe.Release();
        }
    }

    private bool AcceptsHere(Request request)
    {
        if (view.Find(Self!) is not { Status: SiloStatus.Active } || runtime.IsStopping)
        {
            return false;
        }

        return PlacementOf(request.Target) is not NodePinnedPlacementAttribute || request.Target.Key == nodeName;
    }

    private PlacementAttribute? PlacementOf(GrainId id) =>
        runtime.Registry.TryGetClass(id.Type, out var grainClass) && grainClass.Placement is { } placement
            ? placement
            : runtime.Registry.GetInterface(id.Type).Placement;

    private string Place(Request request)
    {
        var id = request.Target;
        var active = view.Active.Where(s => !(s.SiloId == Self && runtime.IsStopping)).ToList();
        var placement = PlacementOf(id);
        if (placement is NodePinnedPlacementAttribute)
        {
            var onNode = active.Where(s => s.NodeName == id.Key).ToList();
            return onNode.Count > 0
                ? ClusterView.Rendezvous(id.ToString(), onNode)!.SiloId
                : throw new NoSiloAvailableException(
                    $"Grain {id} is pinned to node '{id.Key}', but no live silo runs on that node (live nodes: {string.Join(", ", active.Select(s => s.NodeName).Distinct().DefaultIfEmpty("none"))}). Start a silo with NodeName '{id.Key}' or use an existing node's name.");
        }

        if (active.Count == 0)
        {
            throw new NoSiloAvailableException(
                $"No live silo can host grain {id}: the cluster has no active members. Start a silo, or check that silos heartbeat to the same database.");
        }

        return placement switch
        {
            PreferLocalPlacementAttribute when IsHost && active.Any(s => s.SiloId == Self) => Self!,
            RandomPlacementAttribute => active[Random.Shared.Next(active.Count)].SiloId,
            _ => ClusterView.Rendezvous(id.ToString(), active)!.SiloId,
        };
    }

    private static CancellationToken CallToken(Request request) =>
        request is StreamRequest stream ? stream.Cancellation
        : request.Method is { CancellationTokenIndex: >= 0 } method && request.Args[method.CancellationTokenIndex] is CancellationToken token ? token
        : CancellationToken.None;

    private async Task ForwardAsync(Request request, string siloId)
    {
        var silo = view.Find(siloId);
        if (silo is null)
        {
            await refreshView(CancellationToken.None);
            silo = view.Find(siloId) ?? throw new SiloUnavailableException(
                $"Grain {request.Target} lives on silo {siloId}, which is no longer a live member of the cluster; retry the call.");
        }

        var body = CallCodec.EncodeCall(request, silo.SiloId, Self, runtime.Serializer);
        if (request is StreamRequest stream)
        {
            await transport.StreamAsync(silo, body, stream);
            return;
        }

        CallOutcome outcome;
        try
        {
            var method = request.Method!;
            outcome = await transport.CallAsync(silo, body, request.Describe(), result => method.DeserializeResult(result, runtime.Serializer), CallToken(request));
        }
        catch (SiloUnavailableException)
        {
            _owners.TryRemove(request.Target, out _);
            throw;
        }

        if (outcome.Ok)
        {
            if (outcome.Silo is { } executed && executed != Self)
            {
                _owners[request.Target] = executed;
            }

            request.ExecutedOn = outcome.Silo;
            request.SetValue(outcome.Value);
            return;
        }

        var error = outcome.Error!;
        if (error.Type == typeof(SiloUnavailableException).FullName)
        {
            _owners.TryRemove(request.Target, out _);
        }

        request.SetException(RemoteErrors.ToException(error));
    }
}
