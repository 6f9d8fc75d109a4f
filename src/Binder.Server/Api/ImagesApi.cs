using System.Text.Json.Serialization;
using Binder.Build.Manifest;
using Binder.Server.Build;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Binder.Server.Api;

/// <summary>
/// <c>GET /api/images/&lt;provider&gt;/&lt;spec&gt;</c>: the image a spec resolves to, as this Binder built it: the
/// resolved ref, the image, its environment key and what it has installed. Guarded like <c>/build</c> (the API token
/// when one is set, the access rules, the rate limit), since it resolves the spec with the provider as a build does.
/// </summary>
internal static partial class ImagesApi
{
    public static IEndpointRouteBuilder MapImagesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/images/{**path}", HandleAsync).RequireRateLimiting(ClientRateLimit.Policy).AllowCrossOrigin().WithName("Image");
        return app;
    }

    private static async Task HandleAsync(HttpContext context, RepoLookup lookup, IGrainFactory grains, ILoggerFactory loggers, IOptions<ServerOptions> options)
    {
        if (await BuildApiToken.RefuseAsync(context, options.Value.ApiToken, loggers.CreateLogger(typeof(BuildApiToken))).ConfigureAwait(false)) return;
        IResult answer;
        try
        {
            answer = await AnswerAsync(context, lookup, grains).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            // The repo grain's silo, a grain call timing out, or the resolver breaking: an answer with a sentence, as
            // /build gives, instead of an empty 500.
            LogFailed(loggers.CreateLogger(typeof(ImagesApi)), context.Request.Path.Value ?? "", e);
            answer = e is SiloUnavailableException or TimeoutException
                ? Message(StatusCodes.Status503ServiceUnavailable, "The Binder node holding this repository's build record did not answer (it crashed, is restarting or is overloaded). Ask again in a minute.")
                : Message(StatusCodes.Status500InternalServerError, $"Binder could not look up this image ({e.GetType().Name}). Try again in a minute; if it persists, tell the operator.");
        }
        await answer.ExecuteAsync(context).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "GET {Path} failed")]
    private static partial void LogFailed(ILogger logger, string path, Exception exception);

    private static async Task<IResult> AnswerAsync(HttpContext context, RepoLookup lookup, IGrainFactory grains)
    {
        var (provider, specText) = RawSpecPath.Split(context, "/api/images/");
        if (provider is null || specText is null)
        {
            return Message(StatusCodes.Status400BadRequest, "The request must name a provider and a spec: /api/images/<provider>/<spec>, e.g. /api/images/gh/org/repo/main.");
        }
        ResolvedRepo repo;
        try
        {
            var spec = lookup.Parse(Uri.UnescapeDataString(provider), specText);
            if (lookup.CheckAccess(spec, BuildApi.ClientAddress(context)) is { } refusal)
            {
                return Message(StatusCodes.Status403Forbidden, refusal);
            }
            repo = await lookup.ResolveAsync(spec, context.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidSpecException e)
        {
            return Message(StatusCodes.Status400BadRequest, e.Message);
        }
        catch (SpecNotFoundException e)
        {
            return Message(StatusCodes.Status404NotFound, e.Message);
        }
        catch (ProviderUnavailableException e)
        {
            return Message(StatusCodes.Status503ServiceUnavailable, e.Message);
        }

        var grain = grains.GetGrain<IRepoGrain>(repo.GrainKey);
        var status = await grain.GetStatus().ConfigureAwait(false);
        var at = $"{repo.Spec.FullSpec} (resolved to {repo.ResolvedRef})";
        if (status.State != RepoBuildStates.Built || status.ImageName is null)
        {
            return Message(StatusCodes.Status404NotFound, status.State switch
            {
                RepoBuildStates.Building => $"{at} is being built right now; ask again when the build has finished.",
                RepoBuildStates.Failed => $"The last build of {at} failed, so there is no image; launch it again to retry the build.",
                _ => $"{at} was never built by this Binder; launch it (/v2/{repo.Spec.FullSpec}) to build it.",
            });
        }
        var environment = await grain.GetEnvironment().ConfigureAwait(false);
        return Results.Json(new ImageAnswer(
            repo.Spec.Provider, repo.Spec.Spec, repo.RepoUrl, repo.ResolvedRef, status.ImageName, status.EnvironmentKey, status.Since,
            environment?.ToManifest(),
            environment is null
                ? "The installed packages of this image were not recorded: it was built from the repository's own Dockerfile, found already built rather than built here, or built before Binder recorded them."
                : null), BinderJson.Options);
    }

    private static IResult Message(int status, string message) => Results.Json(new { message }, BinderJson.Options, statusCode: status);
}

/// <summary>The answer of <c>GET /api/images/...</c>; <c>packages</c> is null, and <c>packagesNote</c> says why, when the list is not known.</summary>
internal sealed record ImageAnswer(
    string Provider,
    string Spec,
    string RepoUrl,
    string ResolvedRef,
    string Image,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? EnvironmentKey,
    DateTimeOffset? BuiltAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] EnvironmentManifest? Packages,
    string? PackagesNote);
