using System.Diagnostics.CodeAnalysis;

namespace Binder.Build.Registry;

/// <summary>
/// A parsed image reference such as <c>127.0.0.1:5000/org/name:tag</c>, <c>python:3.12</c> or
/// <c>ghcr.io/org/name@sha256:...</c>, normalised the way the Docker CLI does: without a registry host the image lives
/// on Docker Hub (<c>docker.io</c>), and a single-component Docker Hub name lives under <c>library/</c>.
/// </summary>
public sealed record ImageReference
{
    /// <summary>The registry name Docker uses for Docker Hub.</summary>
    public const string DockerHub = "docker.io";

    /// <summary>The tag used when a reference names neither a tag nor a digest.</summary>
    public const string DefaultTag = "latest";

    /// <summary>Creates a reference from its parts; <paramref name="tag"/> defaults to <c>latest</c> without a digest.</summary>
    /// <param name="registry">Registry host with optional port, e.g. <c>127.0.0.1:5000</c> or <c>docker.io</c>.</param>
    /// <param name="repository">Repository path inside the registry, e.g. <c>library/python</c>.</param>
    /// <param name="tag">Tag, or null when <paramref name="digest"/> is given.</param>
    /// <param name="digest">Content digest such as <c>sha256:...</c>, or null.</param>
    public ImageReference(string registry, string repository, string? tag = null, string? digest = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(registry);
        ArgumentException.ThrowIfNullOrWhiteSpace(repository);
        Registry = NormaliseRegistry(registry);
        Repository = Registry == DockerHub && !repository.Contains('/') ? "library/" + repository : repository;
        Digest = string.IsNullOrEmpty(digest) ? null : digest;
        Tag = string.IsNullOrEmpty(tag) ? (Digest is null ? DefaultTag : null) : tag;
        if (!IsValidHost(Registry))
        {
            throw new BinderBuildException(
                $"'{registry}' is not a valid registry host: use a host name or IP address with an optional port, e.g. 127.0.0.1:5000.");
        }
        if (!IsValidRepository(Repository))
        {
            throw new BinderBuildException(
                $"'{repository}' is not a valid image repository name: use lower-case letters, digits and the separators '.', '_', '-' and '/'.");
        }
        if (Tag is not null && !IsValidTag(Tag))
        {
            throw new BinderBuildException(
                $"'{Tag}' is not a valid image tag: use up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'.");
        }
    }

    /// <summary>Registry host with optional port (<c>docker.io</c> for Docker Hub).</summary>
    public string Registry { get; }

    /// <summary>Repository path inside the registry (<c>library/python</c>, <c>org/name</c>).</summary>
    public string Repository { get; }

    /// <summary>The tag, or null when the reference is by digest only.</summary>
    public string? Tag { get; }

    /// <summary>The digest (<c>sha256:...</c>), or null.</summary>
    public string? Digest { get; }

    /// <summary>What the registry's manifest endpoint is asked for: the digest when there is one, else the tag.</summary>
    public string ManifestReference => Digest ?? Tag ?? DefaultTag;

    /// <summary>The fully qualified name without tag or digest, e.g. <c>127.0.0.1:5000/org/name</c>.</summary>
    public string Name => $"{Registry}/{Repository}";

    /// <summary>The host the distribution API answers on (Docker Hub's API is not served at <c>docker.io</c>).</summary>
    public string ApiHost => Registry == DockerHub ? "registry-1.docker.io" : Registry;

    /// <summary>Parses a reference; throws a <see cref="BinderBuildException"/> that says what is wrong with it.</summary>
    /// <param name="reference">The reference text, e.g. <c>host:5000/repo/name:tag</c>.</param>
    public static ImageReference Parse(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return TryParse(reference, out var parsed)
            ? parsed
            : throw new BinderBuildException(
                $"'{reference}' is not a valid image reference: expected [host[:port]/]repository[:tag][@digest], e.g. 127.0.0.1:5000/binder/repo:abc123.");
    }

    /// <summary>Parses a reference, returning false instead of throwing when it is malformed.</summary>
    /// <param name="reference">The reference text.</param>
    /// <param name="parsed">The parsed reference when the result is true.</param>
    public static bool TryParse(string? reference, [NotNullWhen(true)] out ImageReference? parsed)
    {
        parsed = null;
        if (string.IsNullOrWhiteSpace(reference) || reference.Any(char.IsWhiteSpace))
        {
            return false;
        }
        var rest = reference;
        string? digest = null;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!IsValidDigest(digest))
            {
                return false;
            }
        }
        string? tag = null;
        var lastSlash = rest.LastIndexOf('/');
        var colon = rest.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
        }
        if (rest.Length == 0)
        {
            return false;
        }
        string registry;
        string repository;
        var firstSlash = rest.IndexOf('/');
        // Docker's rule: the first component is a host only when it looks like one (a dot, a port, or localhost).
        if (firstSlash > 0 && IsRegistryHost(rest[..firstSlash]))
        {
            registry = rest[..firstSlash];
            repository = rest[(firstSlash + 1)..];
        }
        else
        {
            registry = DockerHub;
            repository = rest;
        }
        if (repository.Length == 0 || (tag is not null && !IsValidTag(tag)) || !IsValidHost(registry))
        {
            return false;
        }
        var normalisedRegistry = NormaliseRegistry(registry);
        var normalisedRepository = normalisedRegistry == DockerHub && !repository.Contains('/') ? "library/" + repository : repository;
        if (!IsValidRepository(normalisedRepository))
        {
            return false;
        }
        parsed = new ImageReference(normalisedRegistry, normalisedRepository, tag, digest);
        return true;
    }

    /// <summary>The fully qualified reference, e.g. <c>docker.io/library/python:3.12</c>.</summary>
    public override string ToString()
    {
        var text = Name;
        if (Tag is not null)
        {
            text += ":" + Tag;
        }
        if (Digest is not null)
        {
            text += "@" + Digest;
        }
        return text;
    }

    private static bool IsRegistryHost(string component) =>
        component.Contains('.') || component.Contains(':') || component == "localhost" || component.StartsWith('[');

    /// <summary>A host name or IPv4 address, or a bracketed IPv6 address, with an optional numeric port.</summary>
    private static bool IsValidHost(string registry)
    {
        var host = registry;
        var port = "";
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']');
            if (close < 0)
            {
                return false;
            }
            port = host[(close + 1)..];
            host = host[1..close];
            if (!System.Net.IPAddress.TryParse(host, out _))
            {
                return false;
            }
        }
        else
        {
            var colon = host.IndexOf(':');
            if (colon >= 0)
            {
                port = host[colon..];
                host = host[..colon];
            }
            if (host.Length == 0 || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-'))
            {
                return false;
            }
        }
        return port.Length == 0 || (port[0] == ':' && port.Length > 1 && port[1..].All(char.IsAsciiDigit));
    }

    private static string NormaliseRegistry(string registry) =>
        registry is "index.docker.io" or "registry-1.docker.io" ? DockerHub : registry;

    private static bool IsValidRepository(string repository)
    {
        foreach (var component in repository.Split('/'))
        {
            if (component.Length == 0 || !IsAlphaNumeric(component[0]) || !IsAlphaNumeric(component[^1]))
            {
                return false;
            }
            foreach (var c in component)
            {
                if (!IsAlphaNumeric(c) && c is not ('.' or '_' or '-'))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static bool IsAlphaNumeric(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');

    private static bool IsValidTag(string tag) =>
        tag.Length is > 0 and <= 128
        && tag[0] is not ('.' or '-')
        && tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    private static bool IsValidDigest(string digest)
    {
        var colon = digest.IndexOf(':');
        return colon > 0 && colon < digest.Length - 1 && digest[(colon + 1)..].All(char.IsAsciiHexDigitLower);
    }
}
