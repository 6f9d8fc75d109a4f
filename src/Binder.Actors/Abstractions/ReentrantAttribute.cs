namespace Binder.Actors;

/// <summary>Lets all calls into activations of this grain class interleave at their <c>await</c> points.
/// Grain code still runs one turn at a time.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class ReentrantAttribute : Attribute;
