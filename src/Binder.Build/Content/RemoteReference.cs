namespace Binder.Build.Content;

/// <summary>A ref a git remote advertises.</summary>
/// <param name="Name">Its full name (<c>HEAD</c>, <c>refs/heads/main</c>, <c>refs/tags/v1^{}</c>).</param>
/// <param name="Sha">The object it points to (for <c>^{}</c> names, the commit an annotated tag points to).</param>
public sealed record RemoteReference(string Name, string? Sha);
