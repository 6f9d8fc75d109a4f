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
        Hub = SiloHosting.Bind<BinderHubOptions>(configuration, BinderHubOptions.SectionName);
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

    private static void Check(string section, ValidateOptionsResult result)
    {
        if (result.Failed) throw new OptionsValidationException(section, typeof(HubConfiguration), result.Failures);
    }
}
