namespace Binder.Build.Registry;

/// <summary>How <see cref="RegistryClient"/> reaches registries and which credentials it presents to each.</summary>
public sealed record RegistryOptions
{
    /// <summary>
    /// Credentials per registry host (as in <see cref="ImageReference.Registry"/>, e.g. <c>docker.io</c> or
    /// <c>registry.example.org:5000</c>). Registries without an entry are accessed anonymously.
    /// </summary>
    public IReadOnlyDictionary<string, RegistryCredentials> Credentials { get; init; } =
        new Dictionary<string, RegistryCredentials>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Registry hosts spoken to over plain HTTP instead of HTTPS. Loopback hosts (<c>localhost</c>, <c>127.x</c>,
    /// <c>[::1]</c>) are plain HTTP anyway while <see cref="PlainHttpForLoopback"/> is true, as Docker treats them.
    /// </summary>
    public IReadOnlyList<string> PlainHttpRegistries { get; init; } = [];

    /// <summary>Whether loopback registries are spoken to over plain HTTP (Docker's own default).</summary>
    public bool PlainHttpForLoopback { get; init; } = true;

    /// <summary>How long one request to a registry or its token service may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Returns the credentials configured for <paramref name="registry"/>, or null for anonymous access. Docker Hub's
    /// credentials are found under any of the names Docker uses for it (<c>docker.io</c>, <c>index.docker.io</c>,
    /// <c>registry-1.docker.io</c>, <c>https://index.docker.io/v1/</c>).
    /// </summary>
    /// <param name="registry">Registry host as in <see cref="ImageReference.Registry"/>.</param>
    public RegistryCredentials? CredentialsFor(string registry)
    {
        string[] names = registry == ImageReference.DockerHub
            ? [registry, "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/"]
            : [registry];
        foreach (var pair in Credentials)
        {
            var host = pair.Value.Registry ?? pair.Key;
            if (names.Any(name => string.Equals(host, name, StringComparison.OrdinalIgnoreCase)))
            {
                return pair.Value;
            }
        }
        return null;
    }
}
