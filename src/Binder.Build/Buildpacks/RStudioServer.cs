namespace Binder.Build.Buildpacks;

/// <summary>
/// RStudio Server beside Jupyter, where repo2docker has it (R images): the <c>.deb</c> of
/// <see cref="BuildpackOptions.RStudioServerUrl"/>, checked against <see cref="BuildpackOptions.RStudioServerSha256"/>,
/// configured for one user without login behind Jupyter, which reaches it through jupyter-rsession-proxy
/// (<c>/rstudio</c>), installed into the server environment with its own installer (pip or conda).
/// </summary>
internal static class RStudioServer
{
    /// <summary>jupyter-rsession-proxy for pip.</summary>
    public const string ProxyPipRequirement = "jupyter-rsession-proxy>=2,<3";

    /// <summary>jupyter-rsession-proxy for conda.</summary>
    public const string ProxyCondaPackage = "jupyter-rsession-proxy=2";

    private const string Package = "/tmp/rstudio-server.deb";

    /// <summary>Adds RStudio Server, running <paramref name="rBinary"/> for sessions, and its proxy for Jupyter.</summary>
    public static void Add(Recipe recipe, PlanContext c, PythonLayout layout, string rBinary)
    {
        var o = c.Options;
        recipe.AddApt(["curl"]);
        recipe.Setup.Add(new RecipeStep(StepUser.Root, "RStudio Server, reached through Jupyter at /rstudio",
        [
            $"curl -fsSL --retry 3 {DockerfileText.ShellQuote(o.RStudioServerUrl, "RStudioServerUrl")} -o {Package}",
            $"echo '{o.RStudioServerSha256}  {Package}' | sha256sum -c -",
            "apt-get update",
            $"apt-get install -y --no-install-recommends {Package}",
            $"rm -rf {Package} /var/lib/apt/lists/*",
            "install -d /etc/rstudio",
            // No login of its own: Jupyter's token guards it. Sessions run the image's R.
            $"printf '%s\\n' auth-none=1 auth-minimum-user-id=0 'rsession-which-r={rBinary}' www-frame-origin=same >> /etc/rstudio/rserver.conf",
        ]) { Settings = ["Buildpacks:RStudioServerUrl", "Buildpacks:RStudioServerSha256"] });
        var proxy = layout.Server.Path == PythonEnvironment.CondaEnvDir
            ? $"micromamba install --yes --prefix {layout.Server.Path} {PythonEnvironment.ChannelArguments(o, overrideChannels: false)} '{ProxyCondaPackage}'"
            : $"{layout.Server.PipInstall} '{ProxyPipRequirement}'";
        recipe.Setup.Add(new RecipeStep(StepUser.User, "jupyter-rsession-proxy, through which Jupyter serves RStudio", [proxy])
        {
            Settings = layout.Server.Path == PythonEnvironment.CondaEnvDir ? ["Buildpacks:CondaChannels"] : ["Buildpacks:PythonIndexUrl", "Buildpacks:ExtraPythonIndexUrls"],
        });
    }
}
