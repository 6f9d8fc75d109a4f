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
    /// <exception cref="OptionsValidationException">A setting of these sections is invalid; the message names each bad key.</exception>
    public HubConfiguration(IConfiguration configuration, DataDirectory data)
        : this(new SettingsReader(configuration), data, throwIfInvalid: true)
    {
    }

    /// <summary>Binds and checks the sections, their problems kept in <paramref name="settings"/> (and thrown with <paramref name="throwIfInvalid"/>).</summary>
    public HubConfiguration(SettingsReader settings, DataDirectory data, bool throwIfInvalid = false)
    {
        Hub = WithOwnWorkDirectories(settings.Bind(BinderHubOptions.SectionName, new BinderHubOptionsValidator()), data);
        Providers = settings.Bind(ProvidersOptions.SectionName, new ProvidersOptionsValidator());
        Access = settings.Bind(AccessOptions.SectionName, new AccessOptionsValidator());
        if (throwIfInvalid) settings.ThrowIfAny();
    }

    public BinderHubOptions Hub { get; }

    public ProvidersOptions Providers { get; }

    public AccessOptions Access { get; }

    /// <summary>The git remote access the <c>git</c> provider resolves refs with (same settings as the builds' fetches).</summary>
    public GitRemote Git => new(Hub.Content);

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
}
