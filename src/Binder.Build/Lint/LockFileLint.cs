using System.Globalization;
using System.Text.RegularExpressions;
using Binder.Build.Buildpacks;

namespace Binder.Build.Lint;

/// <summary>
/// The files that fix a whole dependency tree, where the buildpack has one: <c>Pipfile.lock</c> beside a Pipfile,
/// <c>Manifest.toml</c> beside a Julia project, and the CRAN snapshot date of <c>runtime.txt</c> for R.
/// </summary>
internal static partial class LockFileLint
{
    public static void CheckPipfile(LintContext c)
    {
        var pipfile = c.Repository.EnvPath("Pipfile");
        if (c.Exists(pipfile) && !c.EnvExists("Pipfile.lock"))
        {
            c.Add(pipfile, null, LintRules.PipfileWithoutLock,
                "no Pipfile.lock beside it, so each build resolves the newest versions the Pipfile allows",
                "run pipenv lock and commit Pipfile.lock (the build then installs exactly what it lists)");
        }
    }

    public static void CheckJulia(LintContext c, IReadOnlyList<string> projectFiles)
    {
        var project = projectFiles.FirstOrDefault(f => f.EndsWith("Project.toml", StringComparison.Ordinal));
        if (project is null)
        {
            return;
        }
        if (!c.EnvExists("Manifest.toml") && !c.EnvExists("JuliaManifest.toml"))
        {
            c.Add(project, null, LintRules.NoJuliaManifest,
                "no Manifest.toml beside it, so each build resolves the newest package versions [compat] allows",
                "run julia --project=. -e 'using Pkg; Pkg.instantiate()' where the project works, and commit Manifest.toml");
        }
        if (c.ReadText(project) is { } text && TomlScan.Parse(text).Value("compat.julia") is null)
        {
            var minor = string.Join('.', c.Options.JuliaVersion.Split('.').Take(2));
            c.Add(project, null, LintRules.UnpinnedJulia,
                $"no [compat] julia entry, so Julia is the builder's default ({c.Options.JuliaVersion} here), which changes when the builder is updated",
                $"add julia = \"~{minor}\" under [compat] (any {minor}.x), or the version you tested with");
        }
    }

    /// <summary>R packages come from the CRAN snapshot of <c>runtime.txt</c>'s date; without one, from the newest.</summary>
    public static void CheckR(LintContext c, RuntimeTxt? runtime)
    {
        if (runtime is { IsR: true, SnapshotDate: not null })
        {
            return;
        }
        var file = c.Repository.EnvPath("runtime.txt");
        c.Add(file, null, LintRules.NoRSnapshotDate,
            "no CRAN snapshot date (r-<version>-<YYYY-MM-DD>), so R packages are the newest ones on the day the image is built",
            $"write R's version and the date of the packages you tested with in {file}: r-{RRecipe.DebianRVersion}-{Today(c)}");
    }

    /// <summary>
    /// <c>r-4.3</c> without a date: the build refuses it as a runtime it does not know; said here in the terms of the
    /// snapshot it lacks, before detection reports the refusal.
    /// </summary>
    public static void CheckDatelessR(LintContext c)
    {
        var file = c.Repository.EnvPath("runtime.txt");
        if (!c.Exists(file) || c.ReadText(file) is not { } text)
        {
            return;
        }
        var m = DatelessRPattern().Match(text.Trim());
        if (m.Success)
        {
            c.Add(file, RuntimeTxt.FirstLine(text), LintRules.NoRSnapshotDate,
                $"{RequirementsLint.Shown(m.Value)} names no CRAN snapshot date, which the build requires",
                $"add the date of the packages you tested with: {m.Value}-{Today(c)}");
        }
    }

    private static string Today(LintContext c) => c.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^r-[0-9]+(?:\.[0-9]+){0,2}\z")]
    private static partial Regex DatelessRPattern();
}
