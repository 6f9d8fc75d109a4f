namespace Binder.Build.Buildpacks;

/// <summary>The buildpack names <see cref="BuildpackDetector"/> reports, in detection order (first match wins).</summary>
public static class BuildpackNames
{
    /// <summary>The repository brings its own <c>Dockerfile</c>.</summary>
    public const string Dockerfile = "dockerfile";

    /// <summary>A Julia project (<c>Project.toml</c> or <c>JuliaProject.toml</c>).</summary>
    public const string Julia = "julia";

    /// <summary>A Nix environment (<c>default.nix</c>).</summary>
    public const string Nix = "nix";

    /// <summary>R with a CRAN snapshot (<c>runtime.txt</c> <c>r-...</c> or a <c>DESCRIPTION</c> at the root).</summary>
    public const string R = "r";

    /// <summary>A conda environment (<c>environment.yml</c> or <c>environment.yaml</c>).</summary>
    public const string Conda = "conda";

    /// <summary>A Pipenv project (<c>Pipfile</c> or <c>Pipfile.lock</c>).</summary>
    public const string Pipfile = "pipfile";

    /// <summary>Python with pip (<c>requirements.txt</c>, <c>setup.py</c>, <c>pyproject.toml</c>, or nothing at all).</summary>
    public const string Python = "python";

    /// <summary>All names in detection order.</summary>
    public static IReadOnlyList<string> All { get; } = [Dockerfile, Julia, Nix, R, Conda, Pipfile, Python];
}
