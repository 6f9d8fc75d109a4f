namespace Binder.Cli.Tests;

public sealed class SettingsTests
{
    [Fact]
    public void Environment_variables_and_options_override_defaults_and_lists_replace()
    {
        var settings = BinderSettings.Load(
            ["Binder:Buildpacks:UserId=2000", "Run:JupyterArguments:0=--port={port}"],
            new Dictionary<string, string?>
            {
                ["BINDER_Binder__Buildpacks__BaseImage"] = "debian:bookworm",
                ["BINDER_Binder__Buildpacks__UserId"] = "1500",
                ["BINDER_Binder__BuildContext__MaxFileBytes"] = "1000",
                ["BINDER_Binder__Buildpacks__CondaChannels__0"] = "my-channel",
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
            ["Binder:Buildpacks:JupyterSource=Debian", "Binder:Buildpacks:UserId=1500", "binder:buildpacks:jupytersource=PackageIndex"], new Dictionary<string, string?>());

        Assert.Equal(Binder.Build.Buildpacks.JupyterSource.PackageIndex, settings.Buildpacks.JupyterSource);
        Assert.Equal(1500, settings.Buildpacks.UserId);
    }

    [Fact]
    public void Unknown_keys_and_bad_values_are_clear_errors()
    {
        var unknown = Assert.Throws<SettingsException>(() => BinderSettings.Load(["Binder:Buildpacks:BaseImag=x", "Binder:Docker:Hots=x"], new Dictionary<string, string?>()));
        // Every unknown key at once, each by its full key, with what the section does have.
        Assert.Contains("Binder:Buildpacks:BaseImag is not a setting: Binder:Buildpacks has ", unknown.Message);
        Assert.Contains("BaseImage", unknown.Message);
        Assert.Contains("Binder:Docker:Hots is not a setting", unknown.Message);
        var bad = Assert.Throws<SettingsException>(() => BinderSettings.Load(["Binder:Buildpacks:UserId=many"], new Dictionary<string, string?>()));
        Assert.Contains("Binder:Buildpacks:UserId", bad.Message);
    }

    [Theory]
    [InlineData("Binder:Docker:RequestTimeout=-00:00:01", "Binder:Docker:RequestTimeout")]
    [InlineData("Binder:Content:GitTimeout=00:00:00", "Binder:Content:GitTimeout")]
    [InlineData("Binder:Content:GitNetworkTimeout=00:00:00.5", "Binder:Content:GitNetworkTimeout")]
    [InlineData("Binder:Content:GitNetworkTimeout=-00:00:01", "Binder:Content:GitNetworkTimeout")]
    [InlineData("Binder:Content:WorkDirectory=relative/dir", "Binder:Content:WorkDirectory")]
    [InlineData("Binder:BuildContext:MaxFileBytes=0", "Binder:BuildContext:MaxFileBytes")]
    [InlineData("Binder:Buildpacks:BaseImage=not an image", "Binder:Buildpacks:BaseImage")]
    [InlineData("Run:Port=70000", "Run:Port")]
    public void Values_that_cannot_work_are_refused_at_start(string setting, string named)
    {
        var error = Assert.Throws<SettingsException>(() => BinderSettings.Load([setting], new Dictionary<string, string?>()));
        Assert.StartsWith(named, error.Message);
    }

    [Theory]
    [InlineData("Buildpacks:BaseImage=debian:bookworm", "Buildpacks:BaseImage was renamed Binder:Buildpacks:BaseImage; set Binder:Buildpacks:BaseImage instead (BINDER_Binder__Buildpacks__BaseImage in the environment).")]
    [InlineData("Docker:Host=unix:///run/docker.sock", "Docker:Host was renamed Binder:Docker:Host;")]
    [InlineData("Registry:PlainHttpForLoopback=true", "Registry:PlainHttpForLoopback was renamed Binder:RegistryAccess:PlainHttpForLoopback;")]
    [InlineData("content:gittimeout=00:01:00", "content:gittimeout was renamed Binder:Content:gittimeout;")]
    public void A_build_setting_under_its_old_top_level_name_is_refused_naming_the_new_one(string setting, string sentence)
    {
        var error = Assert.Throws<SettingsException>(() => BinderSettings.Load([setting], new Dictionary<string, string?>()));
        Assert.Contains(sentence, error.Message);
    }

    [Fact]
    public void An_old_name_in_the_environment_is_refused_too()
    {
        var error = Assert.Throws<SettingsException>(() => BinderSettings.Load([], new Dictionary<string, string?> { ["BINDER_Buildpacks__JupyterSource"] = "Debian" }));
        Assert.Contains("Buildpacks:JupyterSource was renamed Binder:Buildpacks:JupyterSource", error.Message);
    }

    [Fact]
    public void Settings_of_the_service_in_a_shared_file_do_not_stop_the_build_command()
    {
        var settings = BinderSettings.Load(["Binder:Sessions:IdleTimeout=00:20:00", "Server:Urls=http://127.0.0.1:9999", "Binder:Buildpacks:UserId=1234"], new Dictionary<string, string?>());
        Assert.Equal(1234, settings.Buildpacks.UserId);
    }

    [Fact]
    public void A_missing_config_file_is_named()
    {
        var error = Assert.Throws<SettingsException>(() => BinderSettings.Load([], new Dictionary<string, string?> { ["BINDER_CONFIG"] = "/no/such.json" }));
        Assert.Contains("/no/such.json", error.Message);
    }
}
