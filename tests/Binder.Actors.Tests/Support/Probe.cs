using System.Collections.Concurrent;

namespace Binder.Actors.Tests.Support;

/// <summary>A singleton service through which test grains report what happened inside them.</summary>
public sealed class Probe
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _signals = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();

    public ConcurrentQueue<string> Events { get; } = new();

    /// <summary>Objects grains hand to the test (for example themselves).</summary>
    public ConcurrentDictionary<string, object> Items { get; } = new();

    /// <summary>A gate a grain awaits until the test opens it with <see cref="Open"/>.</summary>
    public Task Gate(string name) => _gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Open(string name) => _gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public void Record(string @event)
    {
        Events.Enqueue(@event);
        Signal(@event).TrySetResult(@event);
    }

    /// <summary>Completes when an event with this exact text was recorded.</summary>
    public Task<string> WaitFor(string @event, TimeSpan timeout) =>
        Signal(@event).Task.WaitAsync(timeout, TestContext.Current.CancellationToken);

    private TaskCompletionSource<string> Signal(string @event) =>
        _signals.GetOrAdd(@event, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
}
