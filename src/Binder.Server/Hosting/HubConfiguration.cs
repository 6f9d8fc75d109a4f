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
    public HubConfiguration(IConfiguration configuration, DataDirectory data)
    {
        Hub = WithOwnWorkDirectories(SiloHosting.Bind<BinderHubOptions>(configuration, BinderHubOptions.SectionName), data);
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
    /// Builds clone and pack into a directory of this service's own, so that what a crash leaves there can be swept at
    /// the next start without touching other programs' files: <c>&lt;data&gt;/work</c>, or, in a configured work
    /// directory (which other services may share), a subdirectory named after this service's data directory, which
    /// one running service at a time owns (<see cref="DataDirectory"/>).
    /// </summary>
    private static BinderHubOptions WithOwnWorkDirectories(BinderHubOptions hub, DataDirectory data)
    {
        string Own(string? configured) => string.IsNullOrWhiteSpace(configured) ? data.WorkDirectory : Path.Combine(configured, data.WorkSubdirectoryName);
        return hub with
        {
            Build = hub.Build with { WorkDirectory = Own(hub.Build.WorkDirectory) },
            Content = hub.Content with { WorkDirectory = Own(hub.Content.WorkDirectory) },
        };
    }

    private static void Check(string section, ValidateOptionsResult result)
    {
        if (result.Failed) throw new OptionsValidationException(section, typeof(HubConfiguration), result.Failures);
    }
}
