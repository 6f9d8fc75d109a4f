using System.Buffers;
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
    private long _lastHeartbeat;

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
        Volatile.Write(ref _lastHeartbeat, _runtime.Time.GetTimestamp());
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

    /// <summary>How long this silo may go without a successful heartbeat before it must assume the others declared it
    /// dead. They do so after <see cref="ClusterOptions.DeathTimeout"/> on the database's clock; one heartbeat period
    /// earlier leaves room for the tick that notices, so this silo stops serving before a survivor can re-activate its
    /// grains.</summary>
    private TimeSpan FenceAfter => _options.DeathTimeout - _options.HeartbeatPeriod;

    /// <summary>True (and fences) when the last successful heartbeat is too old: the database was unreachable, or this
    /// process was paused, long enough that the cluster may already have declared it dead.</summary>
    private bool FenceIfHeartbeatStale()
    {
        if (_runtime.Time.GetElapsedTime(Volatile.Read(ref _lastHeartbeat)) <= FenceAfter)
        {
            return false;
        }

        if (!_fenced.Task.IsCompleted)
        {
            Log.HeartbeatStale(_logger, Me?.SiloId ?? "(unregistered)", _runtime.Time.GetElapsedTime(Volatile.Read(ref _lastHeartbeat)), FenceAfter);
            Fence();
        }

        return true;
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_options.HeartbeatPeriod, _runtime.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                // Checked before writing: a silo resumed after a pause must not serve even if its heartbeat would
                // still succeed, because the others may already have re-activated its grains.
                if (FenceIfHeartbeatStale())
                {
                    return;
                }

                try
                {
                    // Below DeathTimeout, so a hung database call cannot keep this loop from fencing in time.
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    timeout.CancelAfter(_options.DeathTimeout / 3);
                    var started = _runtime.Time.GetTimestamp();
                    if (!await _membership.HeartbeatAsync(Me!.SiloId, timeout.Token))
                    {
                        Log.DeclaredDead(_logger, Me.SiloId);
                        Fence();
                        return;
                    }

                    // The write happened no earlier than the moment it was sent.
                    Volatile.Write(ref _lastHeartbeat, started);

                    foreach (var dead in await _membership.DeclareDeadAsync(_options.DeathTimeout, timeout.Token))
                    {
                        Log.SiloDeclaredDead(_logger, dead, _options.DeathTimeout);
                    }

                    var before = string.Join(",", _view.Active.Select(s => s.SiloId));
                    await RefreshViewAsync(timeout.Token);
                    if (before != string.Join(",", _view.Active.Select(s => s.SiloId)))
                    {
                        // Reminder ownership follows membership.
                        _ = _runtime.Reminders.RefreshAsync(_stop.Token);
                    }
                }
                catch (Exception e) when (!_stop.IsCancellationRequested)
                {
                    Log.HeartbeatFailed(_logger, e);
                    if (FenceIfHeartbeatStale())
                    {
                        return;
                    }
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

        // Survivors may already host this silo's grains: stop starting activations and deactivate the local ones, so
        // callers in this process are routed to the cluster's owners instead. State writes from here are ETag-checked.
        _ = _runtime.StopAsync(CancellationToken.None);
        _fenced.TrySetResult();
    }

    public async Task BeginShutdownAsync(CancellationToken cancellationToken)
    {
        // A fenced silo already stopped serving, and the database may be what it cannot reach.
        if (Me is null || _fenced.Task.IsCompleted)
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
            try
            {
                // Dead at once: nobody needs to wait for the heartbeat timeout, and this generation never returns.
                await _membership.SetStatusAsync(Me.SiloId, SiloStatus.Dead, cancellationToken);
            }
            catch (Exception e) when (_fenced.Task.IsCompleted && e is not OperationCanceledException)
            {
                // Fenced because the database was unreachable: the others declare this silo dead by its heartbeat.
                Log.HeartbeatFailed(_logger, e);
            }
        }
    }

    public async Task ServeCallAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        object? result = null;
        Type? resultType = null;
        Exception? error = null;
        var usage = "result";
        string? executedOn = null;
        try
        {
            IncomingCall request;
            GrainMethod method;
            using (var document = await JsonDocument.ParseAsync(context.Request.Body, default, aborted))
            {
                var message = CallCodec.DecodeCall(document);
                CheckAddressedToMe(message);
                (method, var id, var args) = Decode(message, aborted);
                request = (IncomingCall)method.CreateIncoming(id, args, CallChain.FromArray(message.Chain), message.From);
                request.Remote = true;
                request.Hops = message.Hops;
            }

            _runtime.Dispatch(request);
            result = await request.Task;
            resultType = method.ResultType;
            usage = $"result of {method.DisplayName}";
            executedOn = request.ExecutedOn;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            error = e;
        }

        context.Response.ContentType = "application/json";
        try
        {
            CallCodec.WriteResponse(context.Response.BodyWriter, executedOn ?? _runtime.SiloId, result, resultType, error, _runtime.Serializer, usage);
        }
        catch (GrainSerializationException e)
        {
            CallCodec.WriteResponse(context.Response.BodyWriter, _runtime.SiloId, null, null, e, _runtime.Serializer, usage);
        }

        await context.Response.BodyWriter.FlushAsync(aborted);
    }

    public async Task ServeStatisticsAsync(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, _runtime.GetStatistics(), SiloTransport.StatisticsJson, context.RequestAborted);
    }

    public IReadOnlyList<ClusterMemberInfo> Members => [.. _view.Silos.Select(ToInfo)];

    public static ClusterMemberInfo ToInfo(SiloInfo s) => new(s.SiloId, s.Address, s.NodeName, s.StartTime, s.Status.ToString());

    /// <summary>Statistics of every live silo: this one directly, the others over HTTP/2.</summary>
    public async Task<IReadOnlyList<SiloRuntimeStatistics>> GetClusterStatisticsAsync(CancellationToken cancellationToken) =>
        await CollectStatisticsAsync(_view, _transport, _runtime, cancellationToken);

    public static async Task<IReadOnlyList<SiloRuntimeStatistics>> CollectStatisticsAsync(ClusterView view, SiloTransport transport, GrainRuntime runtime, CancellationToken cancellationToken)
    {
        var tasks = view.Silos.Select(s => s.SiloId == runtime.SiloId
            ? Task.FromResult(runtime.GetStatistics())
            : transport.GetStatisticsAsync(s, cancellationToken));
        return await Task.WhenAll(tasks);
    }

    public async Task ServeStreamAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        context.Response.ContentType = "application/x-ndjson";
        var output = context.Response.BodyWriter;
        try
        {
            StreamRequest request;
            GrainMethod method;
            using (var document = await JsonDocument.ParseAsync(context.Request.Body, default, aborted))
            {
                var message = CallCodec.DecodeCall(document);
                CheckAddressedToMe(message);
                (method, var id, var args) = Decode(message, aborted);
                request = method.CreateIncomingStream(id, args, CallChain.FromArray(message.Chain), message.From, aborted);
                request.Remote = true;
                request.Hops = message.Hops;
            }

            _runtime.Dispatch(request);
            await context.Response.StartAsync(aborted);
            var usage = $"item of {method.DisplayName}";
            await request.DrainAsync(
                async (item, ct) =>
                {
                    WriteLine(output, writer =>
                    {
                        writer.WritePropertyName("item");
                        _runtime.Serializer.Write(writer, item, method.ResultType!, usage);
                    });
                    await output.FlushAsync(ct);
                },
                aborted);
            WriteLine(output, writer => writer.WriteBoolean("end", true));
            await output.FlushAsync(aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            WriteLine(output, writer => CallCodec.WriteError(writer, e));
            await output.FlushAsync(aborted);
        }
    }

    private static void WriteLine(System.IO.Pipelines.PipeWriter output, Action<Utf8JsonWriter> body)
    {
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        output.Write("\n"u8);
    }

    private void CheckAddressedToMe(CallCodec.DecodedCall message)
    {
        if (!_accepting || FenceIfHeartbeatStale())
        {
            throw new SiloUnavailableException($"Silo {_runtime.SiloId} is stopping or was declared dead and accepts no calls; retry the call.");
        }

        if (message.TargetSilo is { } target && target != _runtime.SiloId)
        {
            throw new SiloUnavailableException(
                $"The call was addressed to silo {target}, but silo {_runtime.SiloId} now answers at that address: the addressed silo is gone. Retry the call.");
        }
    }

    private (GrainMethod Method, GrainId Id, object?[] Args) Decode(CallCodec.DecodedCall message, CancellationToken aborted)
    {
        var method = _runtime.Registry.GetInterface(message.Interface).GetMethod(message.Interface, message.Method);
        var args = new object?[method.ParameterTypes.Length];
        var i = 0;
        foreach (var element in message.Args.EnumerateArray())
        {
            if (i == args.Length)
            {
                break;
            }

            var type = method.ParameterTypes[i];
            args[i] = type == typeof(CancellationToken)
                ? aborted
                : _runtime.Serializer.Deserialize(element, type, $"argument '{method.ParameterNames[i]}' of {method.DisplayName}");
            i++;
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

        [LoggerMessage(Level = LogLevel.Critical, Message = "Silo {SiloId} has not written a heartbeat for {Elapsed} (limit {Limit}): the cluster may have declared it dead, so it stops serving and must be restarted")]
        public static partial void HeartbeatStale(ILogger logger, string siloId, TimeSpan elapsed, TimeSpan limit);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat or membership refresh failed; retrying")]
        public static partial void HeartbeatFailed(ILogger logger, Exception exception);
    }
}
