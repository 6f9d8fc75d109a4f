namespace Binder.Server.Hosting;

/// <summary>
/// Removes what builds left behind when the service died during them: clones (<c>binder-clone-*</c>), build contexts
/// (<c>binder-context-*.tar</c>) and record downloads (<c>binder-record-*</c>). Only in this service's own work
/// directories (<see cref="HubConfiguration"/>: under its data directory, or its own subdirectory of a configured one),
/// which no other running service uses: the data directory's lock sees to that.
/// </summary>
internal static class BuildWorkSweeper
{
    private static readonly string[] Patterns = ["binder-clone-*", "binder-context-*.tar", "binder-record-*"];

    /// <summary>Sweeps each directory once; returns how many entries were removed.</summary>
    public static int Sweep(IEnumerable<string?> directories)
    {
        var removed = 0;
        foreach (var directory in directories.OfType<string>().Where(d => d.Length > 0).Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d))).Distinct())
        {
            if (!Directory.Exists(directory)) continue;
            foreach (var entry in Patterns.SelectMany(pattern => Directory.EnumerateFileSystemEntries(directory, pattern)).ToList())
            {
                try
                {
                    // Directory.Delete removes a symbolic link itself, never what it points at; read-only files go too
                    // (on Linux that depends on the directory's mode only), so nothing a repository holds is touched
                    // outside the tree.
                    if (Directory.Exists(entry) && new DirectoryInfo(entry).LinkTarget is null) Directory.Delete(entry, recursive: true);
                    else File.Delete(entry);
                    removed++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Left for the next start; a sweep must not keep the service from starting.
                }
            }
        }
        return removed;
    }
}
