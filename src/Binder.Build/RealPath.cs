using System.Runtime.InteropServices;

namespace Binder.Build;

/// <summary>
/// Where a path really leads once every symbolic link along it is followed, and whether that stays inside a
/// directory: the one check that keeps a repository's links from reaching files of the build machine.
/// </summary>
public static partial class RealPath
{
    /// <summary>The canonical absolute path (all links, <c>.</c> and <c>..</c> resolved), or null when it does not exist.</summary>
    public static string? Resolve(string path)
    {
        var result = NativeRealPath(path, IntPtr.Zero);
        if (result == IntPtr.Zero)
        {
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(result);
        }
        finally
        {
            Free(result);
        }
    }

    /// <summary>
    /// True when <paramref name="path"/> exists and, with every link along it followed, lies inside
    /// <paramref name="root"/> (or is the root itself).
    /// </summary>
    public static bool IsInside(string root, string path)
    {
        var realRoot = Resolve(root);
        var realPath = Resolve(path);
        if (realRoot is null || realPath is null)
        {
            return false;
        }
        return realPath == realRoot || realPath.StartsWith(Path.TrimEndingDirectorySeparator(realRoot) + "/", StringComparison.Ordinal);
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr NativeRealPath(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);
}
