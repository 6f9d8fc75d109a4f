using System.Runtime.InteropServices;

namespace Binder.Server.Hosting;

/// <summary>
/// What .NET does not tell about a path: its owner and its file type (a socket is neither a file nor a directory to
/// .NET). Read with <c>statx</c>, whose structure has the same layout on every Linux architecture, without following
/// a symbolic link.
/// </summary>
internal readonly partial record struct UnixFileStatus(uint OwnerId, uint Mode)
{
    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1, StatxMode = 0x2, StatxUid = 0x8;
    private const uint TypeMask = 0xF000, SocketType = 0xC000, DirectoryType = 0x4000;

    /// <summary>Whether the path is a unix socket.</summary>
    public bool IsSocket => (Mode & TypeMask) == SocketType;

    /// <summary>Whether the path is a directory (not a symbolic link to one).</summary>
    public bool IsDirectory => (Mode & TypeMask) == DirectoryType;

    /// <summary>Whether this process's effective user owns the path.</summary>
    public bool OwnedByThisUser => OwnerId == GetEffectiveUserId();

    /// <summary>The permission bits (e.g. 0700).</summary>
    public UnixFileMode Permissions => (UnixFileMode)(Mode & 0xFFF);

    /// <summary>The status of <paramref name="path"/>, or null when it does not exist or cannot be read.</summary>
    public static UnixFileStatus? Of(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(AtCurrentDirectory, path, AtSymlinkNoFollow, StatxType | StatxMode | StatxUid, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }
        // struct statx: stx_mask (4), stx_blksize (4), stx_attributes (8), stx_nlink (4), stx_uid (4), stx_gid (4), stx_mode (2).
        return new UnixFileStatus(BitConverter.ToUInt32(buffer[20..24]), BitConverter.ToUInt16(buffer[28..30]));
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
