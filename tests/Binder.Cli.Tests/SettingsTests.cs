namespace Binder.Cli.Tests;

public sealed class SettingsTests
{
    [Fact]
    public void Environment_variables_and_options_override_defaults_and_lists_replace()
    {
        var settings = BinderSettings.Load(
            ["Buildpacks:UserId=2000", "Run:JupyterArguments:0=--port={port}"],
            new Dictionary<string, string?>
            {
                ["BINDER_Buildpacks__BaseImage"] = "debian:bookworm",
                ["BINDER_Buildpacks__UserId"] = "1500",
                ["BINDER_BuildContext__MaxFileBytes"] = "1000",
                ["BINDER_Buildpacks__CondaChannels__0"] = "my-channel",
                ["OTHER"] = "ignored",
            });
        Assert.Equal("debian:bookworm", settings.Buildpacks.BaseImage);
        Assert.Equal(2000, settings.Buildpacks.UserId);
        Assert.Equal(1000, settings.BuildContext.MaxFileBytes);
        Assert.Equal(["my-channel"], settings.Buildpacks.CondaChannels);
        Assert.Equal(["--port={port}"], settings.Run.JupyterArguments);
        Assert.Equal("jovyan", settings.Buildpacks.UserName);
    }

    [Fact]
    public void A_key_given_twice_takes_its_last_value()
    {
        var settings = BinderSettings.Load(
            ["Buildpacks:JupyterSource=Debian", "Buildpacks:UserId=1500", "buildpacks:jupytersource=PackageIndex"], new Dictionary<string, string?>());

        Assert.Equal(Binder.Build.Buildpacks.JupyterSource.PackageIndex, settings.Buildpacks.JupyterSource);
        Assert.Equal(1500, settings.Buildpacks.UserId);
    }

    [Fact]
    public void Unknown_keys_and_bad_values_are_clear_errors()
    {
        var unknown = Assert.Throws<SettingsException>(() => BinderSettings.Load(["Buildpacks:BaseImag=x"], new Dictionary<string, string?>()));
        Assert.Contains("'Buildpacks'", unknown.Message);
        Assert.Contains("BaseImag", unknown.Message);
        var bad = Assert.Throws<SettingsException>(() => BinderSettings.Load(["Buildpacks:UserId=many"], new Dictionary<string, string?>()));
        Assert.Contains("UserId", bad.Message);
    }

    [Theory]
    [InlineData("Docker:RequestTimeout=-00:00:01", "Docker:RequestTimeout")]
    [InlineData("Content:GitTimeout=00:00:00", "Content:GitTimeout")]
    [InlineData("BuildContext:MaxFileBytes=0", "BuildContext:MaxFileBytes")]
    [InlineData("Run:Port=70000", "Run:Port")]
    public void Values_that_cannot_work_are_refused_at_start(string setting, string named)
    {
        var error = Assert.Throws<SettingsException>(() => BinderSettings.Load([setting], new Dictionary<string, string?>()));
        Assert.StartsWith(named, error.Message);
    }

    [Fact]
    public void A_missing_config_file_is_named()
    {
        var error = Assert.Throws<SettingsException>(() => BinderSettings.Load([], new Dictionary<string, string?> { ["BINDER_CONFIG"] = "/no/such.json" }));
        Assert.Contains("/no/such.json", error.Message);
    }
}
