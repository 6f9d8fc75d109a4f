namespace Binder.Actors;

/// <summary>A value could not be serialized for a grain call; the message names the type.</summary>
public sealed class GrainSerializationException(string message, Exception? inner = null) : Exception(message, inner);
