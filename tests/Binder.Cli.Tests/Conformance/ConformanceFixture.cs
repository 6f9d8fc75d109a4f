using System.Runtime.CompilerServices;
using Binder.Build.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Cli.Tests.Conformance;

/// <summary>
/// What the conformance repositories share: a loopback stand-in for PyPI serving the one wheel they install, the
/// settings every build gets (the local base image, that index, the daemon), and the images to remove at the end.
/// All builds go to the same daemon, so they share BuildKit's cache: the system packages are installed once.
/// </summary>
public sealed class ConformanceFixture : IAsyncLifetime
{
    private readonly List<string> images = [];

    public PythonPackageIndex PackageIndex { get; } = new PythonPackageIndex().AddPackage("binder-conformance-pkg", "1.0", "'conformance'");

    public DockerClient Docker { get; } = new(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);

    /// <summary>The <c>--config</c> arguments every build of the suite gets.</summary>
    public IReadOnlyList<string> Settings =>
    [
        "--config", $"Binder:Buildpacks:BaseImage={TestEnvironment.BaseImage}",
        "--config", $"Binder:Buildpacks:PythonIndexUrl={PackageIndex.Url}",
        // These machines reach Debian's mirror but no real Python index: Jupyter (and pipenv) come from Debian's packages.
        "--config", "Binder:Buildpacks:JupyterSource=Debian",
        "--config", $"Binder:Docker:Host={TestEnvironment.DockerHost}",
        "--config", "Binder:Docker:BuildNetworkMode=host",
    ];

    /// <summary>A unique image name for one repository, removed from the daemon when the suite ends.</summary>
    public string ImageName(string repository)
    {
        var name = $"binder-conformance/{repository}:{TestEnvironment.UniqueSuffix()}";
        lock (images) images.Add(name);
        return name;
    }

    /// <summary>
    /// A copy of <c>Repositories/&lt;name&gt;</c> in a temporary directory, as a checkout gives it: the scripts a
    /// repository runs (<c>verify</c>, <c>postBuild</c>, <c>start</c>) executable. The source tree is read where the tests
    /// were built, so the repositories stay plain files that read like repo2docker's own test repositories.
    /// </summary>
    public static TempDirectory Checkout(string name)
    {
        var source = Path.Combine(SourceDirectory(), "Repositories", name);
        if (!Directory.Exists(source))
        {
            Assert.Fail($"There is no conformance repository '{name}' in {Path.GetDirectoryName(source)}.");
        }
        var copy = new TempDirectory("binder-conformance");
        foreach (var file in Directory.EnumerateFiles(source, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var relative = Path.GetRelativePath(source, file);
            var target = copy.Write(relative, File.ReadAllText(file));
            var executable = Path.GetFileName(file) is "verify" or "postBuild" or "start";
            File.SetUnixFileMode(target, File.GetUnixFileMode(file) | (executable ? UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : 0));
        }
        return copy;
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var image in images)
        {
            try { await Docker.RemoveImageAsync(image, force: true, CancellationToken.None); } catch (Binder.Build.BinderBuildException) { }
        }
        await PackageIndex.DisposeAsync();
        Docker.Dispose();
    }
}
