using System.Text;
using Binder.Build.Docker;

namespace Binder.Build.Manifest;

/// <summary>
/// Reads the environment manifest of an image on a Docker daemon: the image's <see cref="EnvironmentManifest.Label"/>
/// says where it is; a container is created from the image (never started, on no network), the file is copied out of
/// it, and the container is removed.
/// </summary>
/// <param name="docker">The daemon that has the image.</param>
public sealed class EnvironmentManifestReader(DockerClient docker)
{
    /// <summary>Reads the manifest of a local image.</summary>
    /// <param name="image">Image name or id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The manifest, or null when the image has none (not a generated image, built before images recorded one, or with recording off).</returns>
    /// <exception cref="ImageNotFoundException">The daemon has no such image.</exception>
    /// <exception cref="EnvironmentManifestException">The label names a file that is missing, too large or not a manifest.</exception>
    /// <exception cref="BinderBuildException">The daemon could not be reached, or refused a request.</exception>
    public async Task<EnvironmentManifest?> ReadAsync(string image, CancellationToken cancellationToken)
    {
        var info = await docker.InspectImageAsync(image, cancellationToken).ConfigureAwait(false)
            ?? throw new ImageNotFoundException(image, docker.Endpoint);
        if (!info.Labels.TryGetValue(EnvironmentManifest.Label, out var path))
        {
            return null;
        }
        if (!path.StartsWith('/'))
        {
            throw new EnvironmentManifestException($"The image's label {EnvironmentManifest.Label} is '{path}', which is not an absolute path in the image.");
        }
        var container = await docker.CreateContainerAsync(new DockerContainerParameters
        {
            Image = info.Id,
            // Never started: the command only has to exist for the daemon to create the container.
            Cmd = ["true"],
            NetworkMode = "none",
            Labels = new Dictionary<string, string> { ["binder.purpose"] = "environment-manifest" },
        }, cancellationToken).ConfigureAwait(false);
        try
        {
            var bytes = await docker.ReadFileAsync(container, path, EnvironmentManifest.MaxBytes, cancellationToken).ConfigureAwait(false)
                ?? throw new EnvironmentManifestException($"The image's label {EnvironmentManifest.Label} names {path}, which the image does not have.");
            return EnvironmentManifest.Parse(Encoding.UTF8.GetString(bytes));
        }
        catch (DockerFileReadException e)
        {
            throw new EnvironmentManifestException($"The image's label {EnvironmentManifest.Label} names {path}, which cannot be read: {e.Message}", e);
        }
        finally
        {
            await docker.RemoveContainerAsync(container, force: true, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
