using System.Net;
using System.Text.Json;
using Binder.Actors.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Binder.Actors.Cluster;

/// <summary>A silo's membership in a PostgreSQL cluster: registers under a new generation, heartbeats, declares
/// silos with stale heartbeats dead, keeps the local view of the cluster, and serves calls from other silos.</summary>
internal sealed partial class ClusterMember : IAsyncDisposable
{
    private readonly GrainRuntime _runtime;
    private readonly ClusterOptions _options;
    private readonly SiloOptions _silo;
    private readonly ILogger _logger;
    private readonly MembershipTable _membership;
    private readonly ClusterView _view = new();
    private readonly SiloTransport _transport;
    private readonly ClusterRouter _router;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _fenced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SiloEndpoint? _endpoint;
    private Task? _loop;
    private volatile bool _accepting;

    public ClusterMember(GrainRuntime runtime, ClusterOptions options, SiloOptions silo, PostgresDatabase database, ILogger logger)
    {
        _runtime = runtime;
        _options = options;
        _silo = silo;
        _logger = logger;
        _membership = new MembershipTable(database);
        _transport = new SiloTransport(runtime, options.CallTimeout, options.DeathTimeout);
        _router = new ClusterRouter(runtime, _view, new GrainDirectory(database), _transport, RefreshViewAsync, silo.NodeName);
    }

    /// <summary>Completes when the cluster declared this silo dead; the process must stop serving.</summary>
    public Task Fenced => _fenced.Task;

    public SiloInfo? Me { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _endpoint = await SiloEndpoint.StartAsync(_options.ListenUrl, this, cancellationToken);
        var listenHost = new Uri(_options.ListenUrl).Host;
        var host = _options.AdvertisedHost
            ?? (listenHost is "0.0.0.0" or "*" or "+" or "[::]" ? Dns.GetHostName() : listenHost);
        Me = await _membership.RegisterAsync($"http://{host}:{_endpoint.Port}", _silo.NodeName, cancellationToken);
        _runtime.SiloId = Me.SiloId;
        _router.Self = Me.SiloId;
        _runtime.Cluster = _router;
        _runtime.Reminders.Owns = _router.OwnsReminder;
        await RefreshViewAsync(cancellationToken);
        _accepting = true;
        Log.Joined(_logger, Me.SiloId, _silo.NodeName);
        _loop = LoopAsync();
    }

    public async Task RefreshViewAsync(CancellationToken cancellationToken)
    {
        _view.Update(await _membership.ReadLiveAsync(cancellationToken));
        _router.ForgetSilos();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_options.HeartbeatPeriod, _runtime.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    if (!await _membership.HeartbeatAsync(Me!.SiloId, _stop.Token))
                    {
                        Log.DeclaredDead(_logger, Me.SiloId);
                        Fence();
                        return;
                    }

                    foreach (var dead in await _membership.DeclareDeadAsync(_options.DeathTimeout, _stop.Token))
                    {
                        Log.SiloDeclaredDead(_logger, dead, _options.DeathTimeout);
                    }

                    var before = string.Join(",", _view.Active.Select(s => s.SiloId));
                    await RefreshViewAsync(_stop.Token);
                    if (before != string.Join(",", _view.Active.Select(s => s.SiloId)))
                    {
                        // Reminder ownership follows membership.
                        _ = _runtime.Reminders.RefreshAsync(_stop.Token);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.HeartbeatFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Fence()
    {
        _accepting = false;
        _fenced.TrySetResult();
    }

    public async Task BeginShutdownAsync(CancellationToken cancellationToken)
    {
        if (Me is null)
        {
            return;
        }

        await _membership.SetStatusAsync(Me.SiloId, SiloStatus.ShuttingDown, cancellationToken);
        await RefreshViewAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _accepting = false;
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        if (Me is not null)
        {
            // Dead at once: nobody needs to wait for the heartbeat timeout, and this generation never returns.
            await _membership.SetStatusAsync(Me.SiloId, SiloStatus.Dead, cancellationToken);
        }
    }

    public async Task ServeCallAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        CallResponse response;
        try
        {
            var message = await JsonSerializer.DeserializeAsync<CallMessage>(context.Request.Body, SiloTransport.EnvelopeOptions, aborted)
                ?? throw new InvalidOperationException("Empty call message.");
            response = await HandleCallAsync(message, aborted);
        }
        catch (Exception e) when (e is not OperationCanceledException || !aborted.IsCancellationRequested)
        {
            response = new CallResponse("error", null, _runtime.SiloId, RemoteErrors.From(e));
        }

        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, response, SiloTransport.EnvelopeOptions, aborted);
    }

    private async Task<CallResponse> HandleCallAsync(CallMessage message, CancellationToken aborted)
    {
        CheckAddressedToMe(message);
        var (method, id, args) = Decode(message, aborted);
        var request = (IncomingCall)method.CreateIncoming(id, args, CallChain.FromArray(message.Chain), message.From);
        request.Remote = true;
        request.Hops = message.Hops;
        _runtime.Dispatch(request);
        var result = await request.Task;
        JsonElement? element = method.ResultType is { } type
            ? _runtime.Serializer.SerializeToElement(result, type, $"result of {method.DisplayName}")
            : null;
        return new CallResponse("ok", element, request.ExecutedOn ?? _runtime.SiloId, null);
    }

    public async Task ServeStreamAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        context.Response.ContentType = "application/x-ndjson";
        var writer = new StreamWriter(context.Response.Body) { AutoFlush = false };
        try
        {
            var message = await JsonSerializer.DeserializeAsync<CallMessage>(context.Request.Body, SiloTransport.EnvelopeOptions, aborted)
                ?? throw new InvalidOperationException("Empty call message.");
            CheckAddressedToMe(message);
            var (method, id, args) = Decode(message, aborted);
            var request = method.CreateIncomingStream(id, args, CallChain.FromArray(message.Chain), message.From, aborted);
            request.Remote = true;
            request.Hops = message.Hops;
            _runtime.Dispatch(request);
            await context.Response.StartAsync(aborted);
            await request.DrainAsync(
                async (item, ct) =>
                {
                    var element = _runtime.Serializer.SerializeToElement(item, method.ResultType!, $"item of {method.DisplayName}");
                    await WriteLineAsync(writer, new StreamLine(element, false, null), ct);
                },
                aborted);
            await WriteLineAsync(writer, new StreamLine(null, true, null), aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            await WriteLineAsync(writer, new StreamLine(null, false, RemoteErrors.From(e)), aborted);
        }
    }

    private static async Task WriteLineAsync(StreamWriter writer, StreamLine line, CancellationToken cancellationToken)
    {
        await writer.WriteLineAsync(JsonSerializer.Serialize(line, SiloTransport.EnvelopeOptions).AsMemory(), cancellationToken);
        await writer.FlushAsync(cancellationToken);
    }

    private void CheckAddressedToMe(CallMessage message)
    {
        if (!_accepting)
        {
            throw new SiloUnavailableException($"Silo {_runtime.SiloId} is stopping or was declared dead and accepts no calls; retry the call.");
        }

        if (message.TargetSilo is { } target && target != _runtime.SiloId)
        {
            throw new SiloUnavailableException(
                $"The call was addressed to silo {target}, but silo {_runtime.SiloId} now answers at that address: the addressed silo is gone. Retry the call.");
        }
    }

    private (GrainMethod Method, GrainId Id, object?[] Args) Decode(CallMessage message, CancellationToken aborted)
    {
        var method = _runtime.Registry.GetInterface(message.Interface).GetMethod(message.Interface, message.Method);
        var args = new object?[message.Args.Length];
        for (var i = 0; i < args.Length; i++)
        {
            var type = method.ParameterTypes[i];
            args[i] = type == typeof(CancellationToken)
                ? aborted
                : _runtime.Serializer.Deserialize(message.Args[i], type, $"argument '{method.ParameterNames[i]}' of {method.DisplayName}");
        }

        return (method, new GrainId(message.Grain, message.Key), args);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        if (_endpoint is not null)
        {
            await _endpoint.DisposeAsync();
        }

        _transport.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Silo {SiloId} joined the cluster on node {Node}")]
        public static partial void Joined(ILogger logger, string siloId, string node);

        [LoggerMessage(Level = LogLevel.Critical, Message = "Silo {SiloId} was declared dead by the cluster; it stops serving and must be restarted")]
        public static partial void DeclaredDead(ILogger logger, string siloId);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {SiloId} missed heartbeats for {Timeout} and was declared dead")]
        public static partial void SiloDeclaredDead(ILogger logger, string siloId, TimeSpan timeout);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat or membership refresh failed; retrying")]
        public static partial void HeartbeatFailed(ILogger logger, Exception exception);
    }
}
