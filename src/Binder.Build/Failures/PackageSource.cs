using Binder.Build.Buildpacks;
using Binder.Build.Registry;

namespace Binder.Build.Failures;

/// <summary>A server builds get software from, with the setting that points at it.</summary>
/// <param name="Name">What it is, for a sentence: "the Python package index at https://pypi.org/simple".</param>
/// <param name="Setting">The configuration key, e.g. <c>Buildpacks:PythonIndexUrl</c>.</param>
/// <param name="Hosts">The hosts (<c>host</c> or <c>host:port</c>, lower case) that identify it in error lines.</param>
/// <param name="CommandWords">Words of a build step's command that show the step uses it (<c>pip</c>, <c>apt-get</c>...).</param>
public sealed record PackageSource(string Name, string Setting, IReadOnlyList<string> Hosts, IReadOnlyList<string> CommandWords)
{
    /// <summary>The servers the build settings name, in the order a step's command is matched against them.</summary>
    /// <param name="options">The build settings.</param>
    /// <param name="settingsPrefix">What the settings' keys start with where they are configured: empty for the CLI
    /// (<c>Buildpacks:PythonIndexUrl</c>), <c>Binder:</c> for the service (<c>Binder:Buildpacks:PythonIndexUrl</c>).</param>
    public static IReadOnlyList<PackageSource> From(BuildpackOptions options, string settingsPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(settingsPrefix);
        string Key(string name) => settingsPrefix + "Buildpacks:" + name;
        var sources = new List<PackageSource>
        {
            Url($"the Python package index at {options.PythonIndexUrl}", Key("PythonIndexUrl"), [options.PythonIndexUrl], ["pip", "pipenv"]),
        };
        if (options.ExtraPythonIndexUrls.Count > 0)
        {
            sources.Add(Url($"the extra Python package indexes ({string.Join(", ", options.ExtraPythonIndexUrls)})", Key("ExtraPythonIndexUrls"),
                options.ExtraPythonIndexUrls, []));
        }
        sources.Add(Url($"the conda channels ({string.Join(", ", options.CondaChannels)})", Key("CondaChannels"),
            [.. options.CondaChannels.Select(c => c.Contains("://", StringComparison.Ordinal) ? c : "https://conda.anaconda.org/" + c)],
            ["micromamba", "mamba", "conda"]));
        sources.Add(Url($"the micromamba download at {options.MicromambaUrl}", Key("MicromambaUrl"), [options.MicromambaUrl], []));
        var cran = options.CranMirror.Replace("{date}", "latest", StringComparison.Ordinal);
        sources.Add(Url($"the CRAN mirror at {cran}", Key("CranMirror"), [cran], ["Rscript", "R --quiet", "install.packages", "remotes::"]));
        sources.Add(Url($"the Julia download at {options.JuliaDownloadUrlTemplate}", Key("JuliaDownloadUrlTemplate"),
            [options.JuliaDownloadUrlTemplate.Replace("{minor}", "x", StringComparison.Ordinal).Replace("{version}", "x", StringComparison.Ordinal)], []));
        sources.Add(Url($"the nixpkgs channel at {options.NixChannelUrl}", Key("NixChannelUrl"), [options.NixChannelUrl], ["nix-channel", "nix-shell"]));
        if (ImageReference.TryParse(options.BaseImage, out var baseImage))
        {
            var hosts = baseImage.Registry == ImageReference.DockerHub
                ? new[] { "docker.io", "registry-1.docker.io", "index.docker.io", "auth.docker.io", "production.cloudflare.docker.com" }
                : new[] { baseImage.Registry.ToLowerInvariant() };
            sources.Add(new PackageSource($"the registry {baseImage.Registry} of the base image {options.BaseImage}", Key("BaseImage"), hosts,
                ["load metadata for", "FROM "]));
        }
        return sources;
    }

    /// <summary>The Debian archive mirror <c>apt-get</c> uses: named by the base image's apt sources, not by a setting of ours.</summary>
    public static PackageSource DebianMirror(string? host) => new(
        host is null ? "the Debian package mirror" : $"the Debian package mirror {host}",
        "the apt sources of the base image (Buildpacks:BaseImage)", host is null ? [] : [host], ["apt-get"]);

    private static PackageSource Url(string name, string setting, IEnumerable<string> urls, IReadOnlyList<string> commandWords) =>
        new(name, setting, [.. urls.Select(HostOf).OfType<string>().Distinct(StringComparer.Ordinal)], commandWords);

    /// <summary>The host of a URL as error lines show it: <c>host</c> for a default port, else <c>host:port</c>.</summary>
    internal static string? HostOf(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? (uri.IsDefaultPort ? uri.Host : uri.Authority).ToLowerInvariant() : null;

    /// <summary>Whether a host seen in an error line is this source's (a line may leave out a default port, or add one).</summary>
    public bool Owns(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var colon = host.LastIndexOf(':');
        var name = colon < 0 ? host : host[..colon];
        var port = colon < 0 ? null : host[(colon + 1)..];
        return Hosts.Any(h => h == host || (port is null && h.Split(':')[0] == name) || (port is "80" or "443" && h == name));
    }
}
