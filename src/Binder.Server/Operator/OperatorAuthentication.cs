using System.Net.Mime;
using System.Security.Claims;
using Binder.Server.Build;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Binder.Server.Operator;

/// <summary>
/// Who may use the operator surfaces: a browser that signed in once with <c>Server:OperatorToken</c> (an encrypted,
/// HttpOnly, SameSite=Strict cookie carrying a fingerprint of the token, not the token), or an API client sending the
/// token as a bearer token. The cookie's keys live in the data directory, or with a cluster backend in the backend
/// (<see cref="OperatorKeyRing"/>), so a restart signs nobody out; a new token does.
/// </summary>
internal static class OperatorAuthentication
{
    /// <summary>The authorization policy of the operator surfaces.</summary>
    public const string Policy = "binder-operator";

    /// <summary>Picks the bearer scheme for requests with an <c>Authorization</c> header, else the cookie.</summary>
    public const string Scheme = "binder-operator";

    public const string CookieScheme = "binder-operator-cookie";

    public const string BearerScheme = "binder-operator-bearer";

    /// <summary>The sign-in cookie's name.</summary>
    public const string CookieName = "binder-operator";

    /// <summary>The claim holding <see cref="OperatorToken.Fingerprint"/>.</summary>
    public const string FingerprintClaim = "binder:operator-token";

    /// <summary>The sign-in page.</summary>
    public const string LoginPath = "/operator/login";

    public static IServiceCollection AddOperatorAuthentication(this IServiceCollection services, SiloHostOptions silo, string dataDirectory)
    {
        OperatorKeyRing.Persist(services.AddDataProtection().SetApplicationName("Binder"), silo, dataDirectory);
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "binder-operator-form";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            antiforgery.FormFieldName = "binder-form";
        });
        services.AddSingleton<OperatorTokenGuesses>();
        services.AddAuthentication()
            .AddPolicyScheme(Scheme, null, policy => policy.ForwardDefaultSelector =
                context => context.Request.Headers.Authorization.Count > 0 ? BearerScheme : CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, OperatorBearerHandler>(BearerScheme, null)
            .AddCookie(CookieScheme, cookie =>
            {
                cookie.Cookie.Name = CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
                cookie.Cookie.Path = "/";
                cookie.SlidingExpiration = false;
                cookie.LoginPath = LoginPath;
                cookie.Events.OnRedirectToLogin = context =>
                {
                    if (WantsPage(context.Request))
                    {
                        context.Response.Redirect(context.RedirectUri);
                        return Task.CompletedTask;
                    }
                    return RefuseApiAsync(context.HttpContext);
                };
                cookie.Events.OnRedirectToAccessDenied = context => RefuseApiAsync(context.HttpContext);
                cookie.Events.OnValidatePrincipal = async context =>
                {
                    var token = context.HttpContext.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.OperatorToken;
                    if (!OperatorToken.FingerprintMatches(context.Principal?.FindFirst(FingerprintClaim)?.Value, token))
                    {
                        // Signed in with a token that is no longer the operator token.
                        context.RejectPrincipal();
                        await context.HttpContext.SignOutAsync(CookieScheme).ConfigureAwait(false);
                    }
                };
            });
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<IOptions<ServerOptions>>((cookie, server) => cookie.ExpireTimeSpan = server.Value.OperatorSignInLifetime);
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        return services;
    }

    /// <summary>The principal a browser sign-in stores in its cookie.</summary>
    public static ClaimsPrincipal SignedIn(string token) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, "operator"), new Claim(FingerprintClaim, OperatorToken.Fingerprint(token))], CookieScheme));

    /// <summary>401 with a sentence, for API clients and scripts (a page is sent to the sign-in instead).</summary>
    public static Task RefuseApiAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return context.Response.WriteAsJsonAsync(
            new { message = $"Send the operator token as 'Authorization: Bearer <token>', or sign in at {LoginPath}; the one given is missing or wrong." },
            BinderJson.Options, context.RequestAborted);
    }

    /// <summary>429 with <c>Retry-After</c>, for a client address that sent too many wrong tokens.</summary>
    public static Task RefuseGuessesAsync(HttpContext context, TimeSpan retryAfter)
    {
        var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return context.Response.WriteAsJsonAsync(
            new { message = $"Too many wrong operator tokens came from your address (Server:OperatorSignInAttemptsPerMinute); try again in {seconds} seconds." },
            BinderJson.Options, context.RequestAborted);
    }

    // Browsers ask for HTML when they navigate; the dashboard's own data requests and API clients do not.
    private static bool WantsPage(HttpRequest request) =>
        !request.Path.StartsWithSegments("/api") && request.Headers.Accept.ToString().Contains(MediaTypeNames.Text.Html, StringComparison.OrdinalIgnoreCase);
}
