using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Binder.Server.Operator;

/// <summary>
/// Authenticates API clients that send <c>Server:OperatorToken</c> as <c>Authorization: Bearer &lt;token&gt;</c>; a
/// client address that sent too many wrong ones is cut off for a minute (<see cref="OperatorTokenGuesses"/>).
/// </summary>
internal sealed class OperatorBearerHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemes, ILoggerFactory logger, UrlEncoder encoder, IOptions<ServerOptions> server, OperatorTokenGuesses guesses)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemes, logger, encoder)
{
    private bool _cutOff;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var given = OperatorToken.Presented(Request);
        if (given is null) return Task.FromResult(AuthenticateResult.NoResult());
        var client = Context.Connection.RemoteIpAddress;
        if (guesses.IsCutOff(client))
        {
            _cutOff = true;
            return Task.FromResult(AuthenticateResult.Fail("Too many wrong operator tokens from this address."));
        }
        var expected = server.Value.OperatorToken;
        if (string.IsNullOrEmpty(expected) || !OperatorToken.Matches(given, expected))
        {
            guesses.Wrong(client);
            return Task.FromResult(AuthenticateResult.Fail("The operator token given is wrong."));
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator")], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        _cutOff ? OperatorAuthentication.RefuseGuessesAsync(Context, OperatorTokenGuesses.RetryAfter) : OperatorAuthentication.RefuseApiAsync(Context);
}
