using System.Security.Cryptography;
using System.Text;

namespace Binder.Build.Buildpacks;

/// <summary>
/// The environment key of a build: a SHA-256 over what decides the image's environment layers and nothing else, so
/// two commits that differ only in notebooks, data or code share it. It covers the buildpack, the environment part of
/// the Dockerfile (<see cref="BuildPlan.EnvironmentDockerfile"/>: base image name, system and Jupyter packages,
/// Python version, package indexes, user, the set-up steps; every buildpack option that reaches those layers), the
/// build arguments, the base image's id, and the bytes of each environment file that is there
/// (<see cref="EnvironmentFiles"/> in the environment directory), in ordinal order of their paths. Files whose steps
/// come after the repository copy (<c>postBuild</c>, <c>start</c>, a <c>setup.py</c> or <c>pyproject.toml</c> that is
/// installed) are not in it: a commit that changes only them keeps the environment layers, and what they decide
/// before the copy (a <c>requires-python</c>) is in the Dockerfile's environment part already.
/// </summary>
/// <remarks>
/// The key only chooses a cache source: BuildKit itself decides, step by step, which layers of that source match.
/// A key that matched too eagerly costs a useless pull, never a wrong image. A repository's own Dockerfile is the
/// environment as a whole (its base images are its own choice, so their ids are not in the key).
/// </remarks>
public static class EnvironmentKey
{
    /// <summary>repo2docker's environment files, read from the environment directory (<c>binder/</c>, <c>.binder/</c> or the root).</summary>
    public static IReadOnlyList<string> EnvironmentFiles { get; } =
    [
        "apt.txt", "runtime.txt", "requirements.txt", "requirements3.txt", "environment.yml", "environment.yaml",
        "Pipfile", "Pipfile.lock", "install.R", "Project.toml", "JuliaProject.toml", "Manifest.toml",
        "JuliaManifest.toml", "REQUIRE", "default.nix",
    ];

    /// <summary>Computes the key of <paramref name="plan"/> for the repository checked out at <paramref name="repositoryDirectory"/>.</summary>
    /// <param name="plan">The build plan.</param>
    /// <param name="repositoryDirectory">The repository's root directory.</param>
    /// <param name="buildArgs">The build arguments the build passes (the plan's and the caller's).</param>
    /// <param name="baseImageId">The base image's id (<c>sha256:...</c>) for a generated Dockerfile; null for a repository's own.</param>
    /// <returns>64 lower-case hex digits.</returns>
    /// <exception cref="RepositoryLayoutException">An environment file is a link pointing outside the repository.</exception>
    public static string Compute(BuildPlan plan, string repositoryDirectory, IReadOnlyDictionary<string, string> buildArgs, string? baseImageId)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(buildArgs);
        var repository = RepositoryView.Open(repositoryDirectory);
        var text = new StringBuilder();
        // One field a line, each named, so no two different inputs write the same text.
        text.Append("key-version 2\n");
        text.Append("buildpack ").Append(plan.Buildpack).Append('\n');
        text.Append("base-image ").Append(baseImageId ?? "-").Append('\n');
        foreach (var (name, value) in buildArgs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            text.Append("build-arg ").Append(Hex(Encoding.UTF8.GetBytes(name + "=" + value))).Append('\n');
        }
        text.Append("dockerfile ").Append(Hex(SHA256.HashData(Encoding.UTF8.GetBytes(plan.EnvironmentDockerfile)))).Append('\n');
        var paths = EnvironmentFiles.Select(repository.EnvPath)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (repository.HashOf(path) is { } hash)
            {
                text.Append("file ").Append(path).Append(' ').Append(Hex(hash)).Append('\n');
            }
        }
        return Hex(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
