namespace Binder.Build.Buildpacks;

/// <summary>
/// The <c>nix</c> buildpack: Debian's single-user Nix owned by the user, the nixpkgs channel of
/// <see cref="BuildpackOptions.NixChannelUrl"/>, the shell of <c>default.nix</c> built at build time, and every
/// container command run inside <c>nix-shell</c>. Jupyter comes from Debian so the default command works even when
/// the shell does not provide one.
/// </summary>
internal static class NixRecipe
{
    public static Recipe Create(PlanContext c)
    {
        var recipe = new Recipe { Buildpack = BuildpackNames.Nix };
        PythonEnvironment.Add(recipe, c, PythonVersionSelector.FromExact(null, "", c.Options));
        recipe.PythonVersion = null;
        recipe.AddApt(["nix-bin"]);
        recipe.Environment.Add(new("NIX_PATH", $"nixpkgs={c.Home}/.nix-defexpr/channels/nixpkgs"));
        // Builds run inside a container build, where Nix's own sandbox cannot set up namespaces.
        recipe.Environment.Add(new("NIX_CONFIG", "sandbox = false"));
        recipe.Setup.Add(new RecipeStep(StepUser.Root, "A Nix store the user owns (single-user Nix)",
            ["mkdir -p /nix", $"chown -R {c.Owner} /nix"]) { Settings = ["Buildpacks:UserId"] });
        recipe.Setup.Add(new RecipeStep(StepUser.User, "The nixpkgs channel",
            [$"nix-channel --add {DockerfileText.ShellQuote(c.Options.NixChannelUrl, "NixChannelUrl")} nixpkgs", "nix-channel --update"])
            {
                Settings = ["Buildpacks:NixChannelUrl"],
            });
        var shell = c.Repository.EnvPath("default.nix");
        // default.nix may import other files of the repository, so its shell is built after the copy.
        recipe.Assemble.Add(new RecipeStep(StepUser.User, $"The shell of {shell}", [$"nix-shell {shell} --command true"]));
        recipe.EntrypointScript = EntrypointScript.Nix(c);
        return recipe;
    }
}
