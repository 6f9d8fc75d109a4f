using System.Globalization;

namespace Binder.Build.Buildpacks;

/// <summary>
/// The <c>r</c> buildpack: Debian's R with IRkernel, packages from a CRAN snapshot of the <c>runtime.txt</c> date
/// (or the latest one), <c>install.R</c> run before the repository is copied and a root <c>DESCRIPTION</c> installed
/// after. The IR kernelspec goes into the Jupyter server's environment, and RStudio Server beside it where the proxy
/// for it can be installed. Python (<c>environment.yml</c>, <c>requirements.txt</c> and friends) is honoured too,
/// as in repo2docker.
/// </summary>
internal static class RRecipe
{
    public const string RprofileContextPath = "_binder/Rprofile.site";
    public const string SiteLibrary = "/usr/local/lib/R/site-library";

    /// <summary>Debian bookworm's R.</summary>
    internal const string DebianRVersion = "4.2";

    public static Recipe Create(PlanContext c)
    {
        var recipe = new Recipe { Buildpack = BuildpackNames.R };
        PythonRecipe.AddPythonSide(recipe, c);
        var layout = recipe.Python!;
        recipe.AddApt(["r-base", "r-base-dev", "r-cran-irkernel", "r-cran-remotes"]);

        var runtime = c.Runtime is { IsR: true } r ? r : null;
        if (runtime?.RVersion is { } requested && !requested.StartsWith(DebianRVersion, StringComparison.Ordinal))
        {
            recipe.Warnings.Add(
                $"{c.Repository.EnvPath("runtime.txt")} asks for R {requested}; this builder installs Debian's R {DebianRVersion}, with packages from the requested snapshot.");
        }
        var date = runtime?.SnapshotDate is { } d ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "latest";
        var mirror = c.Options.CranMirror.Replace("{date}", date, StringComparison.Ordinal);
        recipe.SupportFiles.Add((RprofileContextPath, Rprofile(mirror), "/etc/R/Rprofile.site"));

        recipe.Setup.Add(new RecipeStep(StepUser.Root, "A site library the user owns, so install.R and the user can add packages",
            [$"install -d -o {c.Uid} -g {c.Uid} {SiteLibrary}", $"chown -R {c.Owner} {SiteLibrary}"]) { Settings = ["Buildpacks:UserId"] });
        // Where the server looks first, whichever Jupyter it is (IRkernel runs `jupyter kernelspec install`).
        recipe.Setup.Add(new RecipeStep(StepUser.User, "The R kernel, registered with the Jupyter server",
            [$"R --quiet -e \"IRkernel::installspec(prefix = '{layout.Server.Path}')\""]) { Settings = ["Buildpacks:BaseImage"] });
        if (c.Options.RStudioServerUrl.Length > 0 && !layout.ServerFromDebian)
        {
            RStudioServer.Add(recipe, c, layout, "/usr/bin/R");
        }

        var installR = c.Repository.EnvPath("install.R");
        if (c.Repository.FileExists(installR))
        {
            recipe.Dependencies.Add(new RecipeStep(StepUser.User, installR, [$"R --quiet -f {installR}"]) { RepositoryFiles = [installR] });
        }
        if (c.Repository.RootOnlyFileExists("DESCRIPTION"))
        {
            recipe.Assemble.Add(new RecipeStep(StepUser.User, "The repository as an R package (DESCRIPTION)",
                ["R --quiet -e \"remotes::install_local(getwd(), upgrade = 'never')\""]));
        }
        return recipe;
    }

    // The user agent names R's version and platform: Posit Package Manager serves Linux binaries only then.
    private static string Rprofile(string mirror) => $$"""
        # Written by Binder.Orleans: packages come from the CRAN snapshot this repository asked for.
        local({
          options(repos = c(CRAN = "{{mirror}}"))
          options(HTTPUserAgent = sprintf("R/%s R (%s)", getRversion(),
            paste(getRversion(), R.version["platform"], R.version["arch"], R.version["os"])))
          options(Ncpus = max(1L, parallel::detectCores()))
        })

        """;
}
