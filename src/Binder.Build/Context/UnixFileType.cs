using System.Runtime.InteropServices;

namespace Binder.Build.Context;

/// <summary>
/// Tells a regular file from a pipe, socket or device, which .NET does not: it calls <c>lstat</c> in the C library.
/// </summary>
internal static partial class UnixFileType
{
    private const uint TypeMask = 0xF000; // S_IFMT
    private const uint RegularFile = 0x8000; // S_IFREG

    public static bool IsRegularFile(string path)
    {
        // glibc's struct stat: st_mode sits after st_dev, st_ino and (on x86-64) st_nlink.
        var modeOffset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24,
            Architecture.Arm64 => 16,
            _ => -1,
        };
        if (modeOffset < 0 || !OperatingSystem.IsLinux())
        {
            return true;
        }
        Span<byte> buffer = stackalloc byte[256];
        if (LStat(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return false;
        }
        var mode = BitConverter.ToUInt32(buffer.Slice(modeOffset, 4));
        return (mode & TypeMask) == RegularFile;
    }

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LStat(string path, ref byte buffer);
}
