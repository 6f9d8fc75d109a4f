using Binder.Hub.Providers;

namespace Binder.Hub.Tests.StandIns;

/// <summary>
/// Resolvers on one stand-in, and downloads of what they resolved by the build engine on the same options (as the
/// server wires the two), into directories under <paramref name="workDirectory"/>.
/// </summary>
public sealed class RecordDownloads(ApiStandIn api, string workDirectory)
{
    // The options of the last resolver made, so that a download uses the hosts and limits its resolution used.
    private Func<ProvidersOptions, ProvidersOptions>? adjusted;

    public RepoResolver Resolver(Func<ProvidersOptions, ProvidersOptions>? adjust = null)
    {
        adjusted = adjust;
        return ResolverFactory.Create(ResolverFactory.OptionsFor(api, adjust));
    }

    /// <summary>Downloads <paramref name="repo"/> and returns the directory it is in.</summary>
    public async Task<string> DownloadAsync(ResolvedRepo repo)
    {
        var fetched = await ResolverFactory.DownloadAsync(ResolverFactory.OptionsFor(api, adjusted), repo, workDirectory);
        return fetched.Root;
    }
}
