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
        var error = Refused(new() { ["Launch:Backend"] = "Nomad" });

        Assert.Contains("Launch:Backend 'Nomad' is not a launch backend: choose Docker or JupyterHub or Kubernetes", error.Message, StringComparison.Ordinal);
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

    [Fact]
    public void The_kubernetes_backend_outside_a_cluster_without_a_kubeconfig_file_is_refused_naming_the_setting()
    {
        var error = Refused(new() { ["Launch:Backend"] = "kubernetes" });

        Assert.Contains("Launch:Kubernetes:KubeConfigFile is not set and Binder does not run in a Kubernetes pod", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_kubernetes_settings_are_each_named()
    {
        var error = Refused(new()
        {
            ["Launch:Backend"] = "Kubernetes",
            ["Launch:Kubernetes:KubeConfigFile"] = "/no/such/kubeconfig",
            ["Launch:Kubernetes:Namespace"] = "Binder_Sessions",
            ["Launch:Kubernetes:InstanceName"] = "Binder",
            ["Launch:Kubernetes:MemoryRequest"] = "3Gi",
            ["Launch:Kubernetes:MemoryLimit"] = "2Gi",
            ["Launch:Kubernetes:CpuLimit"] = "lots",
            ["Launch:Kubernetes:ImagePullPolicy"] = "Sometimes",
            ["Launch:Kubernetes:NodeSelector:bad key!"] = "x",
            ["Launch:Kubernetes:ExtraEnv:JUPYTER_TOKEN"] = "fixed",
            ["Launch:Kubernetes:StartTimeout"] = "00:00:00",
            ["Launch:Kubernetes:StopGracePeriod"] = "00:00:00",
            ["Launch:Kubernetes:Colour"] = "blue",
        });

        Assert.Contains("Launch:Kubernetes:KubeConfigFile '/no/such/kubeconfig' does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("Launch:Kubernetes:Namespace 'Binder_Sessions' must be a namespace name", error.Message, StringComparison.Ordinal);
        Assert.Contains("Launch:Kubernetes:InstanceName 'Binder' must be", error.Message, StringComparison.Ordinal);
        Assert.Contains("Launch:Kubernetes:MemoryRequest 3Gi is more than MemoryLimit 2Gi", error.Message, StringComparison.Ordinal);
        Assert.Contains("Launch:Kubernetes:CpuLimit 'lots' is not a Kubernetes quantity", error.Message, StringComparison.Ordinal);
        Assert.Contains("Launch:Kubernetes:ImagePullPolicy 'Sometimes' must be", error.Message, StringComparison.Ordinal);
        Assert.Contains("The label 'bad key!: x'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Launch:Kubernetes:ExtraEnv must not set JUPYTER_TOKEN", error.Message, StringComparison.Ordinal);
        Assert.Contains("Launch:Kubernetes:StartTimeout 00:00:00 must be more than 0", error.Message, StringComparison.Ordinal);
        // 0 would be gracePeriodSeconds=0, a forced delete.
        Assert.Contains("Launch:Kubernetes:StopGracePeriod 00:00:00 must be more than 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("Launch:Kubernetes:Colour", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kubeconfig_file_that_is_not_one_is_refused_without_quoting_it()
    {
        using var directory = new TempDirectory("binder-kubeconfig");
        var file = Path.Combine(directory.Path, "kubeconfig");
        File.WriteAllText(file, "token: secret-in-a-broken-file-77c1\n: : :\n");

        var error = Refused(new() { ["Launch:Backend"] = "Kubernetes", ["Launch:Kubernetes:KubeConfigFile"] = file });

        Assert.Contains($"The Kubernetes client configuration (Launch:Kubernetes:KubeConfigFile '{file}') could not be read", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-in-a-broken-file-77c1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_kubernetes_settings_are_not_checked_with_the_docker_backend()
    {
        var error = Record.Exception(() => BinderServer.Build([], new Dictionary<string, string?>
        {
            ["Server:DataDirectory"] = "/nonexistent/binder-test",
            ["Launch:Kubernetes:InstanceName"] = "Not Valid",
        }));

        Assert.DoesNotContain("Launch:Kubernetes", error?.Message ?? "", StringComparison.Ordinal);
    }
}
