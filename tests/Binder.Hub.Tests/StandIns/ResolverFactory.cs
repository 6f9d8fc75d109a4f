using Binder.Build.Content;
using Binder.Build.Content.Records;
using Binder.Hub.Providers;

namespace Binder.Hub.Tests.StandIns;

/// <summary>A real <see cref="RepoResolver"/> whose API base URLs all point at loopback stand-ins.</summary>
public static class ResolverFactory
{
    public static ProvidersOptions OptionsFor(ApiStandIn api, Func<ProvidersOptions, ProvidersOptions>? adjust = null)
    {
        var options = new ProvidersOptions
        {
            GitHub = new GitHubProviderOptions { ApiUrl = api.Url, WebUrl = "https://github.com", GistWebUrl = "https://gist.github.com" },
            GitLab = new GitLabProviderOptions { Url = api.Url },
            Records = RecordStandIns.OptionsFor(api),
            RequestTimeout = TimeSpan.FromSeconds(20),
        };
        return adjust?.Invoke(options) ?? options;
    }

    /// <summary>The production resolver (<see cref="RepoResolver.Create"/>: its own client, which never follows redirects).</summary>
    public static RepoResolver Create(ProvidersOptions options, TimeProvider? time = null) =>
        RepoResolver.Create(options, new GitRemote(new ContentOptions { GitTimeout = TimeSpan.FromSeconds(60) }), timeProvider: time);

    /// <summary>A resolver on a caller's client (the public constructor), e.g. one that does follow redirects.</summary>
    public static RepoResolver Create(ProvidersOptions options, HttpClient http, TimeProvider? time = null) =>
        new(options, http, new GitRemote(new ContentOptions { GitTimeout = TimeSpan.FromSeconds(60) }), timeProvider: time);

    /// <summary>
    /// Downloads a resolved record as the builder has the build engine do it (<see cref="ContentSource.ToBuildRequest"/>,
    /// then <see cref="RecordFetcher"/> on the same hosts), into a new directory under <paramref name="workDirectory"/>.
    /// </summary>
    public static async Task<FetchedRepository> DownloadAsync(ProvidersOptions options, ResolvedRepo repo, string workDirectory)
    {
        using var client = RecordFetcher.CreateClient();
        var records = new RecordFetcher(options.Records, client, options.RequestTimeout, options.UserAgent, workDirectory);
        var request = repo.Source.ToBuildRequest(repo.RepoUrl);
        return await records.FetchAsync(request.Record!, request.Source, _ => { }, TestContext.Current.CancellationToken);
    }
}
