using System.Threading.Channels;

namespace Binder.Actors.Runtime;

/// <summary>A streaming call: the grain's enumerable is pumped, on the activation's scheduler, into a bounded
/// channel that the caller (or the transport, for a remote caller) reads.</summary>
internal abstract class StreamRequest(GrainMethod method, GrainId target, object?[] args, CallChain? chain)
    : Request(method, target, args, chain)
{
    public override bool AlwaysInterleaves => true;

    public abstract CancellationToken Cancellation { get; }

    /// <summary>Writes an item received from the silo that runs the stream.</summary>
    public abstract ValueTask WriteRemoteAsync(System.Text.Json.JsonElement item, Serialization.ActorSerializer serializer, CancellationToken cancellationToken);

    /// <summary>Ends the caller's enumeration, with an error or normally.</summary>
    public abstract void CompleteRemote(Exception? error);

    /// <summary>Writes each item through <paramref name="write"/> until the stream ends; throws the stream's error.</summary>
    public abstract Task DrainAsync(Func<object?, CancellationToken, ValueTask> write, CancellationToken cancellationToken);
}

internal sealed class StreamRequest<T> : StreamRequest
{
    private readonly CancellationToken _cancellation;

    public StreamRequest(GrainMethod method, GrainId target, object?[] args, CallChain? chain, CancellationToken cancellation)
        : base(method, target, args, chain)
    {
        _cancellation = cancellation;
        Channel = System.Threading.Channels.Channel.CreateBounded<T>(new BoundedChannelOptions(64)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        if (method.CancellationTokenIndex >= 0)
        {
            args[method.CancellationTokenIndex] = cancellation;
        }
    }

    public Channel<T> Channel { get; }

    public override CancellationToken Cancellation => _cancellation;

    public override ValueTask WriteRemoteAsync(System.Text.Json.JsonElement item, Serialization.ActorSerializer serializer, CancellationToken cancellationToken) =>
        Channel.Writer.WriteAsync((T)serializer.Deserialize(item, typeof(T), $"item of {Method!.DisplayName}")!, cancellationToken);

    public override void CompleteRemote(Exception? error) => Channel.Writer.TryComplete(error);

    public override Task Invoke(Activation activation)
    {
        var source = (IAsyncEnumerable<T>)Method!.InvokeRaw(activation.Instance!, Args)!;
        return PumpAsync(source, activation.StreamCancellation);
    }

    private async Task PumpAsync(IAsyncEnumerable<T> source, CancellationToken deactivation)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_cancellation, deactivation);
        try
        {
            await foreach (var item in source.WithCancellation(linked.Token))
            {
                await Channel.Writer.WriteAsync(item, linked.Token);
            }

            Channel.Writer.TryComplete();
        }
        catch (OperationCanceledException) when (deactivation.IsCancellationRequested && !_cancellation.IsCancellationRequested)
        {
            Channel.Writer.TryComplete(new SiloUnavailableException(
                $"The stream {Describe()} ended because the activation was deactivated; call the method again to resume."));
        }
        catch (Exception e)
        {
            Channel.Writer.TryComplete(e);
        }
    }

    public override void SetFromTask(Task completed)
    {
    }

    public override void SetValue(object? value)
    {
    }

    public override void SetException(Exception exception) => Channel.Writer.TryComplete(exception);

    public override void SetCanceled() => Channel.Writer.TryComplete(new OperationCanceledException($"The stream {Describe()} was cancelled."));

    public override async Task DrainAsync(Func<object?, CancellationToken, ValueTask> write, CancellationToken cancellationToken)
    {
        var reader = Channel.Reader;
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            while (reader.TryRead(out var item))
            {
                await write(item, cancellationToken);
            }
        }
    }
}
