namespace Binder.Actors;

/// <summary>The caller does not wait for this method: the returned task completes as soon as the call is sent and
/// errors are only logged. The method must return <c>void</c>, <see cref="Task"/> or <see cref="ValueTask"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OneWayAttribute : Attribute;
