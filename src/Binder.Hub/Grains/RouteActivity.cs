namespace Binder.Hub.Grains;

/// <summary>What the session proxy said of one session's route in one round of the node's activity poll.</summary>
/// <param name="Known">Whether the proxy answered: when it did not, nothing is known of the route (it is not missing).</param>
/// <param name="Exists">Whether the proxy has the route (false when not <paramref name="Known"/>).</param>
/// <param name="LastActivity">When traffic last went through the route, when the proxy knows.</param>
[GenerateSerializer, Immutable, Alias("binder.RouteActivity")]
public sealed record RouteActivity(bool Known, bool Exists, DateTimeOffset? LastActivity)
{
    /// <summary>The proxy did not answer this round.</summary>
    public static RouteActivity Unknown { get; } = new(false, false, null);
}
