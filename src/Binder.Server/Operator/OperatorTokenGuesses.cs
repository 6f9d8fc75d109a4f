using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Binder.Server.Operator;

/// <summary>
/// Wrong operator bearer tokens per client address: after <c>Server:OperatorSignInAttemptsPerMinute</c> of them in a
/// minute, every bearer token from that address is answered 429 until the minute is over, a right one too, so the
/// answers stop telling a guess from the token. Right tokens cost nothing: monitoring that polls the API is not slowed.
/// (The sign-in form has its own budget, <c>ClientRateLimit.OperatorSignInPolicy</c>, counting every post.)
/// </summary>
internal sealed class OperatorTokenGuesses(IOptions<ServerOptions> server) : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly PartitionedRateLimiter<string> _wrong = PartitionedRateLimiter.Create<string, string>(client =>
        RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = server.Value.OperatorSignInAttemptsPerMinute,
            Window = Window,
            QueueLimit = 0,
        }));

    /// <summary>The longest a client that used up its wrong guesses waits for the next window.</summary>
    public static TimeSpan RetryAfter => Window;

    /// <summary>Whether <paramref name="client"/> has no wrong guess left in this minute.</summary>
    public bool IsCutOff(IPAddress? client) => _wrong.GetStatistics(Key(client))?.CurrentAvailablePermits is 0;

    /// <summary>Counts one wrong token from <paramref name="client"/>.</summary>
    public void Wrong(IPAddress? client)
    {
        using var lease = _wrong.AttemptAcquire(Key(client));
    }

    public void Dispose() => _wrong.Dispose();

    private static string Key(IPAddress? client) => client?.ToString() ?? "unknown";
}
