namespace Binder.Hub.Access;

/// <summary>Whether a launch may go ahead; when not, the sentence to show and the HTTP status to answer with.</summary>
/// <param name="Allowed">True when the request may go ahead.</param>
/// <param name="Message">Why not, for a person; null when allowed.</param>
/// <param name="StatusCode">403 when refused, 200 when allowed.</param>
public sealed record AccessDecision(bool Allowed, string? Message, int StatusCode)
{
    /// <summary>The decision that lets a request through.</summary>
    public static AccessDecision Allow { get; } = new(true, null, 200);

    /// <summary>A refusal with <paramref name="message"/> and status 403.</summary>
    /// <param name="message">What the person is told.</param>
    public static AccessDecision Deny(string message) => new(false, message, 403);
}
