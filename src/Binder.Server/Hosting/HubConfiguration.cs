using Binder.Build.Content;
using Binder.Hub.Access;
using Binder.Hub.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Binder.Server.Hosting;

/// <summary>
/// The options of the parts below the front end, bound and validated once at start so a bad key fails loudly:
/// <c>Binder</c> (grains and build engine), <c>Providers</c>, <c>Access</c>.
/// </summary>
internal sealed class HubConfiguration
{
    public HubConfiguration(IConfiguration configuration)
    {
        Hub = WithOwnWorkDirectories(SiloHosting.Bind<BinderHubOptions>(configuration, BinderHubOptions.SectionName), configuration);
        Check(BinderHubOptions.SectionName, new BinderHubOptionsValidator().Validate(null, Hub));
        Providers = SiloHosting.Bind<ProvidersOptions>(configuration, ProvidersOptions.SectionName);
        Check(ProvidersOptions.SectionName, new ProvidersOptionsValidator().Validate(null, Providers));
        Access = SiloHosting.Bind<AccessOptions>(configuration, AccessOptions.SectionName);
        Check(AccessOptions.SectionName, new AccessOptionsValidator().Validate(null, Access));
    }

    public BinderHubOptions Hub { get; }

    public ProvidersOptions Providers { get; }

    public AccessOptions Access { get; }

    /// <summary>The git runner the <c>git</c> provider resolves refs with (same settings as the builds' fetches).</summary>
    public GitCli Git => new(Hub.Content);

    /// <summary>
    /// Builds clone and pack into a directory of this service's own unless one is configured, so that what a crash
    /// leaves there can be swept at the next start without touching other programs' files.
    /// </summary>
    private static BinderHubOptions WithOwnWorkDirectories(BinderHubOptions hub, IConfiguration configuration)
    {
        var work = Path.Combine(new ServerOptions { DataDirectory = configuration[$"{ServerOptions.Section}:DataDirectory"] }.ResolvedDataDirectory, "work");
        return hub with
        {
            Build = string.IsNullOrWhiteSpace(hub.Build.WorkDirectory) ? hub.Build with { WorkDirectory = work } : hub.Build,
            Content = string.IsNullOrWhiteSpace(hub.Content.WorkDirectory) ? hub.Content with { WorkDirectory = work } : hub.Content,
        };
    }

    private static void Check(string section, ValidateOptionsResult result)
    {
        if (result.Failed) throw new OptionsValidationException(section, typeof(HubConfiguration), result.Failures);
    }
}
