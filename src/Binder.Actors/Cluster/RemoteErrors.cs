namespace Binder.Actors.Cluster;

/// <summary>Carries exceptions across silos: known exception types are recreated with their message, others become
/// <see cref="GrainInvocationException"/> naming the remote type.</summary>
internal static class RemoteErrors
{
    public static RemoteError From(Exception exception) =>
        new(exception.GetType().FullName ?? exception.GetType().Name, exception.Message);

    public static Exception ToException(RemoteError error) => error.Type switch
    {
        "Binder.Actors.DeadlockException" => new DeadlockException(error.Message),
        "Binder.Actors.InconsistentStateException" => new InconsistentStateException(error.Message, null, null),
        "Binder.Actors.GrainCallTimeoutException" => new GrainCallTimeoutException(error.Message),
        "Binder.Actors.SiloUnavailableException" => new SiloUnavailableException(error.Message),
        "Binder.Actors.NoSiloAvailableException" => new NoSiloAvailableException(error.Message),
        "Binder.Actors.GrainSerializationException" => new GrainSerializationException(error.Message),
        "Binder.Actors.GrainDefinitionException" => new GrainDefinitionException(error.Message),
        "System.OperationCanceledException" or "System.Threading.Tasks.TaskCanceledException" => new OperationCanceledException(error.Message),
        "System.TimeoutException" => new TimeoutException(error.Message),
        "System.InvalidOperationException" => new InvalidOperationException(error.Message),
        "System.ArgumentException" or "System.ArgumentNullException" or "System.ArgumentOutOfRangeException" => new ArgumentException(error.Message),
        "System.NotSupportedException" => new NotSupportedException(error.Message),
        "System.NotImplementedException" => new NotImplementedException(error.Message),
        "System.Collections.Generic.KeyNotFoundException" => new KeyNotFoundException(error.Message),
        "System.FormatException" => new FormatException(error.Message),
        "System.UnauthorizedAccessException" => new UnauthorizedAccessException(error.Message),
        _ => new GrainInvocationException(error.Type, $"{error.Type}: {error.Message}"),
    };
}
