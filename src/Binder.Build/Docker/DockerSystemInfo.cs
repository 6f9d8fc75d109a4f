namespace Binder.Build.Docker;

/// <summary>The daemon's machine as <c>GET /info</c> describes it.</summary>
/// <param name="MemoryBytes">The machine's memory (<c>MemTotal</c>).</param>
/// <param name="CpuCount">Its CPUs (<c>NCPU</c>).</param>
/// <param name="RootDirectory">Where the daemon keeps images and containers (<c>DockerRootDir</c>), as a path on its machine.</param>
/// <param name="CgroupDriver">The cgroup driver, <c>cgroupfs</c> or <c>systemd</c>.</param>
/// <param name="CgroupVersion">The cgroup version, <c>1</c> or <c>2</c>.</param>
/// <param name="ServerVersion">The daemon's version, e.g. <c>20.10.24</c>.</param>
public sealed record DockerSystemInfo(long MemoryBytes, int CpuCount, string RootDirectory, string CgroupDriver, string CgroupVersion, string ServerVersion);
