namespace Binder.Server.Hosting;

/// <summary>
/// Removes what builds left behind when the service died during them: clones (<c>binder-clone-*</c>), build contexts
/// (<c>binder-context-*.tar</c>) and record downloads (<c>binder-record-*</c>). Only in work directories of this
/// service's own (by default under its data directory); never in the system's temporary directory, which other
/// programs, and other Binders, share.
/// </summary>
internal static class BuildWorkSweeper
{
    private static readonly string[] Patterns = ["binder-clone-*", "binder-context-*.tar", "binder-record-*"];

    /// <summary>Sweeps each directory once; returns how many entries were removed.</summary>
    public static int Sweep(IEnumerable<string?> directories)
    {
        var temp = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.GetTempPath()));
        var removed = 0;
        foreach (var directory in directories.OfType<string>().Where(d => d.Length > 0).Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d))).Distinct())
        {
            if (directory == temp || !Directory.Exists(directory)) continue;
            foreach (var entry in Patterns.SelectMany(pattern => Directory.EnumerateFileSystemEntries(directory, pattern)).ToList())
            {
                try
                {
                    if (Directory.Exists(entry)) DeleteTree(entry);
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

    /// <summary>Git makes its object files read-only; clear that so the tree can go.</summary>
    private static void DeleteTree(string path)
    {
        foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }
        Directory.Delete(path, recursive: true);
    }
}
