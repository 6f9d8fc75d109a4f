using System.Net;
using System.Text.RegularExpressions;

namespace Binder.Server.Tests.Operator;

/// <summary>
/// The operator sign-in over plain HTTP, where a browser's protections do not help: the antiforgery token, the Origin
/// check, the cookie's attributes, the return address, and the cookie's life across restarts and token changes.
/// </summary>
public sealed partial class OperatorSignInTests
{
    private const string Secret = "operator-secret-0123456789abcdef";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_sign_in_refuses_a_form_without_its_antiforgery_token_or_from_another_origin_and_sends_nobody_elsewhere()
    {
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Server:OperatorToken"] = Secret });
        using var http = Client(app);

        // No antiforgery token (a form another site could build): refused, no cookie.
        using (var bare = await http.PostAsync("operator/login", Form(("token", Secret)), Token))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
            Assert.Null(SignInCookie(bare));
        }
        // The right form, posted from another origin: refused before the form is read.
        var form = await LoginFormAsync(http);
        using (var foreign = await PostSignInAsync(http, form, Secret, "/operator", origin: "http://evil.example"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
            Assert.Null(SignInCookie(foreign));
        }
        // A wrong token: the form again with a sentence, no cookie.
        using (var wrong = await PostSignInAsync(http, form, Secret + "x", "/operator"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Contains("not the operator token", await wrong.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
            Assert.Null(SignInCookie(wrong));
        }
        // The right one: a cookie only scripts and other sites cannot use, and a return only to this listener's paths.
        foreach (var (returnUrl, location) in (IEnumerable<(string, string)>)[("/dashboard/", "/dashboard/"), ("//evil.example/x", "/operator"), ("/\\evil.example", "/operator"), ("https://evil.example/", "/operator")])
        {
            using var right = await PostSignInAsync(http, form, Secret, returnUrl);
            Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
            Assert.Equal(location, right.Headers.Location?.OriginalString);
            var cookie = SignInCookie(right);
            Assert.NotNull(cookie);
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
            // Plain http: a Secure cookie would never come back.
            Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Secret, cookie, StringComparison.Ordinal);
        }
        // Wrong guesses are logged (who, never what), and no token reaches the log.
        Assert.Contains("An operator sign-in from", app.Log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, app.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sign_in_outlives_a_restart_and_ends_when_the_operator_token_changes()
    {
        using var data = new TempDirectory("binder-operator-keys");
        string cookie;
        string suffix;
        await using (var first = await BinderTestApp.StartAsync(Settings(data, Secret)))
        {
            suffix = first.Suffix;
            using var http = Client(first);
            using var signedIn = await PostSignInAsync(http, await LoginFormAsync(http), Secret, "/operator");
            cookie = SignInCookie(signedIn)!.Split(';')[0];
            Assert.Equal(HttpStatusCode.OK, await StatusWithCookieAsync(http, "operator", cookie));
        }
        // The keys are in the data directory: the same cookie works after a restart.
        await using (var restarted = await BinderTestApp.StartAsync(Settings(data, Secret), suffix))
        {
            using var http = Client(restarted);
            Assert.Equal(HttpStatusCode.OK, await StatusWithCookieAsync(http, "operator", cookie));
            Assert.Equal(HttpStatusCode.OK, await StatusWithCookieAsync(http, "api/sessions", cookie));
        }
        // A new token: whoever signed in with the old one is out.
        await using (var rotated = await BinderTestApp.StartAsync(Settings(data, Secret + "-rotated"), suffix))
        {
            using var http = Client(rotated);
            Assert.Equal(HttpStatusCode.Redirect, await StatusWithCookieAsync(http, "operator", cookie));
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithCookieAsync(http, "api/sessions", cookie));
        }
    }

    [Fact]
    public async Task Guessing_the_token_is_cut_off_after_the_allowed_attempts_a_minute_even_a_right_guess()
    {
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Server:OperatorToken"] = Secret,
            ["Server:OperatorSignInAttemptsPerMinute"] = "3",
        });
        using var http = Client(app);
        var form = await LoginFormAsync(http);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var wrong = await PostSignInAsync(http, form, Secret + attempt, "/operator");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var limited = await PostSignInAsync(http, form, Secret, "/operator");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Null(SignInCookie(limited));
        // Reading the form is not an attempt, and the API's bearer token is not limited by it.
        using (var page = await http.GetAsync("operator/login", Token)) Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var api = new HttpRequestMessage(HttpMethod.Get, "api/sessions");
        api.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Secret);
        using (var answered = await http.SendAsync(api, Token)) Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
    }

    [Fact]
    public async Task Wrong_bearer_tokens_are_cut_off_after_the_allowed_guesses_a_minute_even_a_right_one_and_right_ones_cost_nothing()
    {
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Server:OperatorToken"] = Secret,
            ["Server:OperatorSignInAttemptsPerMinute"] = "3",
        });
        using var http = Client(app);
        async Task<HttpResponseMessage> ApiAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/sessions");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            return await http.SendAsync(request, Token);
        }

        // Monitoring that polls with the right token is never limited.
        for (var poll = 0; poll < 6; poll++)
        {
            using var right = await ApiAsync(Secret);
            Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        }
        for (var guess = 0; guess < 3; guess++)
        {
            using var wrong = await ApiAsync(Secret + guess);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        // Used up: a guess and the right token get the same answer, so guessing tells nothing more this minute.
        foreach (var token in new[] { Secret + "x", Secret })
        {
            using var limited = await ApiAsync(token);
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.NotNull(limited.Headers.RetryAfter);
            Assert.Contains("Server:OperatorSignInAttemptsPerMinute", await limited.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        }
        // The sign-in form keeps its own budget.
        using (var signedIn = await PostSignInAsync(http, await LoginFormAsync(http), Secret, "/operator"))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        }
        Assert.DoesNotContain(Secret, app.Log.ToString(), StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Settings(TempDirectory data, string token) => new()
    {
        ["Server:OperatorToken"] = token,
        ["Server:DataDirectory"] = data.Path,
    };

    /// <summary>A client of the operator listener that keeps no cookies of its own and follows no redirects.</summary>
    private static HttpClient Client(BinderTestApp app) =>
        new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = app.OperatorUrl };

    internal static async Task<HttpStatusCode> StatusWithCookieAsync(HttpClient http, string path, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await http.SendAsync(request, Token);
        return response.StatusCode;
    }

    internal sealed record LoginForm(string AntiforgeryCookie, string AntiforgeryToken);

    internal static async Task<LoginForm> LoginFormAsync(HttpClient http)
    {
        using var response = await http.GetAsync("operator/login", Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(Token);
        var token = HiddenToken().Match(html);
        Assert.True(token.Success, "The sign-in form has no antiforgery field: " + html);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("binder-operator-form=", StringComparison.Ordinal));
        return new LoginForm(cookie.Split(';')[0], WebUtility.HtmlDecode(token.Groups[1].Value));
    }

    internal static async Task<HttpResponseMessage> PostSignInAsync(HttpClient http, LoginForm form, string token, string returnUrl, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "operator/login")
        {
            Content = Form(("binder-form", form.AntiforgeryToken), ("token", token), ("returnUrl", returnUrl)),
        };
        request.Headers.Add("Cookie", form.AntiforgeryCookie);
        request.Headers.Add("Origin", origin ?? http.BaseAddress!.GetLeftPart(UriPartial.Authority));
        return await http.SendAsync(request, Token);
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    internal static string? SignInCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies.FirstOrDefault(c => c.StartsWith("binder-operator=", StringComparison.Ordinal)) : null;

    [GeneratedRegex("name=\"binder-form\" value=\"([^\"]+)\"")]
    private static partial Regex HiddenToken();
}
