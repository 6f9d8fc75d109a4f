namespace Binder.Hub.Tests.Launch;

/// <summary>The host's processes (a container's processes are among them) and their cgroup settings, read from /proc and /sys.</summary>
internal static class HostProcesses
{
    /// <summary>Every process with its command line.</summary>
    public static List<(string Pid, string CommandLine)> All()
    {
        var processes = new List<(string, string)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (Path.GetFileName(directory).All(char.IsAsciiDigit))
                {
                    processes.Add((Path.GetFileName(directory), File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ')));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended meanwhile.
            }
        }
        return processes;
    }

    /// <summary>A cgroup file of a process's controller (cgroup v1: its own hierarchy; v2: the unified one).</summary>
    public static string CgroupFile(string pid, string controller, string v1File, string v2File)
    {
        var lines = File.ReadAllLines($"/proc/{pid}/cgroup");
        var v1 = lines.Select(l => l.Split(':', 3)).FirstOrDefault(parts => parts.Length == 3 && parts[1].Split(',').Contains(controller));
        if (v1 is not null && Directory.Exists($"/sys/fs/cgroup/{controller}"))
        {
            return File.ReadAllText($"/sys/fs/cgroup/{controller}{v1[2]}/{v1File}").Trim();
        }
        var v2 = lines.Select(l => l.Split(':', 3)).First(parts => parts.Length == 3 && parts[0] == "0");
        return File.ReadAllText($"/sys/fs/cgroup{v2[2]}/{v2File}").Trim();
    }

    /// <summary>The host pid of a container's main process, from the daemon's view of it through /proc (its cgroup names the container id).</summary>
    public static string PidOfContainer(string containerId) =>
        All().Select(p => p.Pid).First(pid =>
        {
            try
            {
                return File.ReadAllText($"/proc/{pid}/cgroup").Contains(containerId, StringComparison.Ordinal);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        });
}
