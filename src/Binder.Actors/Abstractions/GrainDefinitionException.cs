namespace Binder.Actors;

/// <summary>A grain class or interface breaks a rule of the runtime (for example an unsupported return type).</summary>
public sealed class GrainDefinitionException(string message) : Exception(message);
