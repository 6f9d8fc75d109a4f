using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Binder.Server.Operator;

/// <summary>Authenticates API clients that send <c>Server:OperatorToken</c> as <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
internal sealed class OperatorBearerHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemes, ILoggerFactory logger, UrlEncoder encoder, IOptions<ServerOptions> server)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemes, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var given = OperatorToken.Presented(Request);
        if (given is null) return Task.FromResult(AuthenticateResult.NoResult());
        var expected = server.Value.OperatorToken;
        if (string.IsNullOrEmpty(expected) || !OperatorToken.Matches(given, expected))
        {
            return Task.FromResult(AuthenticateResult.Fail("The operator token given is wrong."));
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator")], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        OperatorAuthentication.RefuseApiAsync(Context);
}
