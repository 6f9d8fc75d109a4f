namespace Binder.Build.Manifest;

/// <summary>The Docker daemon has no image by the name asked for.</summary>
public sealed class ImageNotFoundException(string image, string daemon)
    : BinderBuildException($"There is no image '{image}' on the Docker daemon at {daemon}. Check the name (docker images lists them), or pull it first.")
{
    /// <summary>The name asked for.</summary>
    public string Image { get; } = image;

    /// <inheritdoc />
    public override int ExitCode => ExitCodes.BadInput;
}
