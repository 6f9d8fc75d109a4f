using Microsoft.Extensions.Options;

namespace Binder.Server.Tests.Configuration;

/// <summary><c>Launch:Backend</c> and <c>Launch:JupyterHub</c> are checked at start, every problem named by its key.</summary>
public sealed class LaunchBackendSettingsTests
{
    private const string Secret = "hub-service-token-never-printed-5e1b";

    private static OptionsValidationException Refused(Dictionary<string, string?> settings)
    {
        settings["Server:DataDirectory"] = "/nonexistent/binder-test";
        return Assert.Throws<OptionsValidationException>(() => BinderServer.Build([], settings));
    }

    [Fact]
    public void An_unknown_launch_backend_is_refused_naming_the_key_and_the_choices()
    {
        var error = Refused(new() { ["Launch:Backend"] = "Kubernetes" });

        Assert.Contains("Launch:Backend 'Kubernetes' is not a launch backend: choose Docker or JupyterHub", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_jupyterhub_backend_without_an_api_url_or_token_is_refused_naming_both_keys()
    {
        var error = Refused(new() { ["Launch:Backend"] = "jupyterhub" });

        Assert.Contains("Launch:JupyterHub:ApiUrl is required with Launch:Backend JupyterHub", error.Message, StringComparison.Ordinal);
        Assert.Contains("Launch:JupyterHub:ApiToken is required with Launch:Backend JupyterHub", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_jupyterhub_settings_are_each_named_and_the_token_is_never_printed()
    {
        var error = Refused(new()
        {
            ["Launch:Backend"] = "JupyterHub",
            ["Launch:JupyterHub:ApiUrl"] = "ftp://hub/hub/api",
            ["Launch:JupyterHub:ApiToken"] = Secret,
            ["Launch:JupyterHub:UserPrefix"] = "Binder Users",
            ["Launch:JupyterHub:StartTimeout"] = "00:00:00",
            ["Launch:JupyterHub:Colour"] = "blue",
        });

        Assert.Contains("Launch:JupyterHub:ApiUrl is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("Launch:JupyterHub:UserPrefix 'Binder Users' must be", error.Message, StringComparison.Ordinal);
        Assert.Contains("Launch:JupyterHub:StartTimeout 00:00:00 must be more than 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("Launch:JupyterHub:Colour", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_jupyterhub_settings_are_not_checked_with_the_docker_backend()
    {
        // Only the backend in use is bound: a half-written hub section does not stop a Docker Binder. The build then
        // fails for another reason only (the data directory), never for Launch:JupyterHub.
        var error = Record.Exception(() => BinderServer.Build([], new Dictionary<string, string?>
        {
            ["Server:DataDirectory"] = "/nonexistent/binder-test",
            ["Launch:JupyterHub:UserPrefix"] = "Binder Users",
        }));

        Assert.DoesNotContain("Launch:JupyterHub", error?.Message ?? "", StringComparison.Ordinal);
    }
}
