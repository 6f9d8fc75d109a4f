namespace Binder.Hub.Tests.StandIns;

/// <summary>A clock the test moves by hand, for cache expiry and rate-limit resets without sleeping.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
