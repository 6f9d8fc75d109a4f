using System.Reflection;

namespace Binder.Actors;

/// <summary>Runs around every call delivered to a grain of the silo (timing, metrics, logging, authorization).
/// Register with <c>SiloBuilder.AddIncomingGrainCallFilter</c>. Streaming methods and timer ticks are not filtered.</summary>
public interface IIncomingGrainCallFilter
{
    /// <summary>Handles one call; call <see cref="IIncomingGrainCallContext.Invoke"/> to continue.</summary>
    Task Invoke(IIncomingGrainCallContext context);
}

/// <summary>One call passing through the incoming call filters.</summary>
public interface IIncomingGrainCallContext
{
    /// <summary>The grain instance receiving the call.</summary>
    Grain Grain { get; }

    /// <summary>The grain's identity, <c>interface/key</c>.</summary>
    string GrainId { get; }

    /// <summary>The interface method called.</summary>
    MethodInfo InterfaceMethod { get; }

    /// <summary>The call's arguments.</summary>
    object?[] Arguments { get; }

    /// <summary>The call's result, set once <see cref="Invoke"/> completed; a filter may replace it.</summary>
    object? Result { get; set; }

    /// <summary>Runs the next filter, or the grain method.</summary>
    Task Invoke();
}
