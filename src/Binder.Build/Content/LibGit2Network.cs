using System.Runtime.InteropServices;

namespace Binder.Build.Content;

/// <summary>
/// libgit2's network time-outs. LibGit2Sharp does not expose them, and without them a server that accepts a connection
/// and then says nothing holds a libgit2 call (and the thread it runs on) for ever: the library waits on the socket
/// with no deadline. The settings are libgit2's own, process-wide (<c>git_libgit2_opts</c>); every
/// <see cref="GitRemote"/> sets them from its <see cref="ContentOptions.GitNetworkTimeout"/>.
/// </summary>
internal static partial class LibGit2Network
{
    // The native library's name is fixed by the pinned LibGit2Sharp.NativeBinaries (2.0.324, libgit2 1.8.6); a version
    // change that renames it fails the test that a silent server times out, not silently.
    private const string Library = "libgit2-5853918";

    // git_libgit2_opt_t in libgit2 1.7 and later.
    private const int SetServerConnectTimeout = 39;
    private const int SetServerTimeout = 41;

    /// <summary>Sets how long libgit2 waits for a connection and for each read or write on it.</summary>
    public static void Apply(TimeSpan timeout)
    {
        var milliseconds = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        // Ensure LibGit2Sharp has loaded and initialised the library before it is called directly.
        _ = LibGit2Sharp.GlobalSettings.Version;
        if (Options(SetServerConnectTimeout, milliseconds) != 0 || Options(SetServerTimeout, milliseconds) != 0)
        {
            throw new InvalidOperationException("libgit2 refused its network time-outs; LibGit2Sharp.NativeBinaries may not be the pinned version.");
        }
    }

    // Variadic in C; on x64 and arm64 Linux an int after the option travels as a fixed argument would.
    [LibraryImport(Library, EntryPoint = "git_libgit2_opts")]
    private static partial int Options(int option, int value);
}
