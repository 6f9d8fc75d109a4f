namespace Binder.Actors.Runtime;

/// <summary>What a caller gets from a streaming grain method: each enumeration makes one streaming call.</summary>
internal sealed class GrainAsyncEnumerable<T>(
    GrainRuntime runtime, StreamGrainMethod<T> method, GrainId target, object?[] args, CallChain? chain) : IAsyncEnumerable<T>
{
    private GrainRuntime Runtime => runtime;

    private StreamGrainMethod<T> Method => method;

    private GrainId Target => target;

    private object?[] Args => args;

    private CallChain? Chain => chain;

    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        new Enumerator(this, method.CancellationTokenIndex >= 0 && args[method.CancellationTokenIndex] is CancellationToken argument && argument.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, argument)
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken));

    /// <summary>Cancelled by the enumeration's token, by a CancellationToken argument, or by disposal.</summary>
    private sealed class Enumerator(GrainAsyncEnumerable<T> owner, CancellationTokenSource cancellation) : IAsyncEnumerator<T>
    {
        private readonly CancellationTokenSource _cancellation = cancellation;
        private StreamRequest<T>? _request;

        public T Current { get; private set; } = default!;

        public async ValueTask<bool> MoveNextAsync()
        {
            if (_request is null)
            {
                var args = (object?[])owner.Args.Clone();
                _request = new StreamRequest<T>(owner.Method, owner.Target, args, owner.Chain, _cancellation.Token);
                owner.Runtime.Dispatch(_request);
            }

            var reader = _request.Channel.Reader;
            while (await reader.WaitToReadAsync(_cancellation.Token))
            {
                if (reader.TryRead(out var item))
                {
                    Current = item;
                    return true;
                }
            }

            return false;
        }

        public ValueTask DisposeAsync()
        {
            // Cancelling stops the grain's pump (locally) or aborts the HTTP/2 stream (remotely).
            _cancellation.Cancel();
            _cancellation.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
