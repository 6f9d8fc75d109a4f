using System.Net;
using Binder.Server.Configuration;

namespace Binder.Server.Tests.Configuration;

/// <summary>
/// <c>Server:CorsAllowOrigin</c>: origins written in any case or with a trailing slash work, what is not an origin is
/// refused with a sentence, and the operator endpoints answer no other origin, even with <c>*</c>.
/// </summary>
public sealed class CorsSettingsTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("https://Thebe.Example.org/", "https://thebe.example.org")]
    [InlineData("HTTPS://thebe.example.org:443", "https://thebe.example.org")]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080")]
    [InlineData("*", "*")]
    public void An_origin_is_accepted_in_the_form_a_browser_sends_it(string written, string sent)
    {
        var options = new ServerOptions { CorsAllowOrigin = written };

        Assert.True(new ServerOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal([sent], options.CorsOrigins);
    }

    [Theory]
    [InlineData("https://thebe.example.org/embed")]
    [InlineData("https://thebe.example.org/?x=1")]
    [InlineData("thebe.example.org")]
    [InlineData("ftp://thebe.example.org")]
    [InlineData("https://user@thebe.example.org")]
    public void What_is_not_an_origin_is_refused_with_a_sentence_naming_the_key(string written)
    {
        var result = new ServerOptionsValidator().Validate(null, new ServerOptions { CorsAllowOrigin = "https://ok.example.org " + written });

        Assert.Equal(
            $"Server:CorsAllowOrigin has '{written}', which is not an origin such as https://thebe.example.org: give the scheme, host and port only, without a path, or *.",
            Assert.Single(result.Failures!));
    }

    [Fact]
    public async Task The_operator_endpoints_answer_no_other_origin_even_when_every_origin_is_allowed()
    {
        const string operatorToken = "operator-token-0123456789abcdef";
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Server:CorsAllowOrigin"] = "*",
            ["Server:OperatorToken"] = operatorToken,
        });

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "api/sessions/");
        preflight.Headers.Add("Origin", "http://other.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
        using var preflightAnswer = await app.OperatorHttp.SendAsync(preflight, Token);
        using var list = new HttpRequestMessage(HttpMethod.Get, "api/sessions/");
        list.Headers.Add("Origin", "http://other.example");
        list.Headers.Add("Authorization", $"Bearer {operatorToken}");
        using var listAnswer = await app.OperatorHttp.SendAsync(list, Token);
        using var publicApi = new HttpRequestMessage(HttpMethod.Get, "versions");
        publicApi.Headers.Add("Origin", "http://other.example");
        using var publicAnswer = await app.Http.SendAsync(publicApi, Token);

        Assert.False(preflightAnswer.Headers.Contains("Access-Control-Allow-Origin"), "the operator endpoint answered another origin's preflight");
        Assert.Equal(HttpStatusCode.OK, listAnswer.StatusCode);
        Assert.False(listAnswer.Headers.Contains("Access-Control-Allow-Origin"), "the operator endpoint let another origin read its answer");
        // The same request to the public API is allowed: the policy is on, the operator endpoints are outside it.
        Assert.Equal("*", Assert.Single(publicAnswer.Headers.GetValues("Access-Control-Allow-Origin")));
    }
}
