namespace Binder.Actors;

/// <summary>Lets calls to this interface method interleave with any other call to the activation.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;
