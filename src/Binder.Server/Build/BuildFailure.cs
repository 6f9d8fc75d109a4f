namespace Binder.Server.Build;

/// <summary>Makes the <c>failed</c> events of the front end: a sentence for people and an HTTP-like status.</summary>
internal static class BuildFailure
{
    public static BinderEvent Of(int statusCode, string message) =>
        BinderEvent.Of(BinderPhases.Failed, message) with { StatusCode = statusCode };
}
