using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Binder.Build.Tests.Docker;

/// <summary>A logger that keeps every formatted message at every level, to check what reaches the logs.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Messages.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception));
}
