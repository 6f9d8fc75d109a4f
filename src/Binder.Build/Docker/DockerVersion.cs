namespace Binder.Build.Docker;

/// <summary>What the daemon says about itself (<c>GET /version</c>).</summary>
/// <param name="Version">Engine version, e.g. <c>20.10.24</c>.</param>
/// <param name="ApiVersion">Highest API version it speaks, e.g. <c>1.41</c>.</param>
/// <param name="MinApiVersion">Lowest API version it speaks.</param>
/// <param name="Os">Operating system, e.g. <c>linux</c>.</param>
/// <param name="Arch">Architecture, e.g. <c>amd64</c>.</param>
/// <param name="KernelVersion">The host's kernel version.</param>
public sealed record DockerVersion(string Version, string ApiVersion, string MinApiVersion, string Os, string Arch, string KernelVersion);
