using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Binder.Server.Hosting;

/// <summary>
/// The service's data directory (<c>Server:DataDirectory</c>) and the paths in it, resolved once. <see cref="Open"/>
/// makes it private to this user (0700) and takes an exclusive lock on <c>binder.lock</c> there before anything else
/// touches it: two services on one directory would delete each other's front-end socket, take over each other's
/// proxy and sweep each other's builds. The lock is an advisory <c>flock</c>, released by the kernel when the process
/// dies, so a crash never leaves it held.
/// </summary>
internal sealed partial class DataDirectory : IDisposable
{
    public const string LockFileName = "binder.lock";

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const int OpenReadOnly = 0, OpenReadWrite = 2, OpenCreate = 0x40, OpenCloseOnExec = 0x80000;
    private const int LockExclusive = 2, LockNonBlocking = 4;
    private const int WouldBlock = 11;

    private readonly Lock _gate = new();
    private SafeFileHandle? _lock;

    public DataDirectory(string path) => Path = System.IO.Path.GetFullPath(path);

    /// <summary>The directory, as an absolute path.</summary>
    public string Path { get; }

    /// <summary>
    /// The directory of the front end's own socket: a 0700 directory of its own, so that no other user can reach the
    /// socket between its creation and the moment its mode is set.
    /// </summary>
    public string SocketDirectory => System.IO.Path.Combine(Path, "run");

    /// <summary>The unix socket the owned proxy reaches the front end through (the default of <c>Proxy:FrontEndSocket</c>).</summary>
    public string FrontEndSocket => System.IO.Path.Combine(SocketDirectory, "frontend.sock");

    /// <summary>Where builds clone and pack unless <c>Binder:Build:WorkDirectory</c> / <c>Binder:Content:WorkDirectory</c> say otherwise.</summary>
    public string WorkDirectory => System.IO.Path.Combine(Path, "work");

    /// <summary>
    /// This service's subdirectory in a work directory configured outside the data directory (and perhaps shared):
    /// <c>binder-</c> and the first 12 hex digits of the SHA-256 of <see cref="Path"/>, the same at every start.
    /// </summary>
    public string WorkSubdirectoryName =>
        "binder-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Path)))[..12];

    /// <summary>The directory <c>Server:DataDirectory</c> names, with its default applied: the one place it is resolved.</summary>
    public static DataDirectory From(IConfiguration configuration) =>
        new(new ServerOptions { DataDirectory = configuration[$"{ServerOptions.Section}:DataDirectory"] }.ResolvedDataDirectory);

    /// <summary>
    /// Creates the directory (0700) or makes an existing one of this user's private, and locks it for this process.
    /// Does nothing the second time.
    /// </summary>
    /// <exception cref="DataDirectoryInUseException">Another running service holds the lock.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The directory cannot be created or locked.</exception>
    public DataDirectory Open(ILogger logger)
    {
        lock (_gate)
        {
            if (_lock is not null) return this;
            try
            {
                EnsurePrivateDirectory(Path, "Server:DataDirectory", logger);
                _lock = TakeLock();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new Microsoft.Extensions.Options.OptionsValidationException(ServerOptions.Section, typeof(ServerOptions),
                    [$"Server:DataDirectory '{Path}' cannot be used ({e.Message}); point it at a directory this user can write."]);
            }
            return this;
        }
    }

    /// <summary>
    /// Creates <paramref name="directory"/> with mode 0700; an existing one owned by this user is made 0700 if others
    /// could enter it; one owned by another user is left as it is, with a warning.
    /// </summary>
    public static void EnsurePrivateDirectory(string directory, string key, ILogger logger)
    {
        if (UnixFileStatus.Of(directory) is not { } status)
        {
            Directory.CreateDirectory(directory, Private);
            // CreateDirectory's mode passes through the umask; a umask cannot widen 0700, but say it outright.
            File.SetUnixFileMode(directory, Private);
            return;
        }
        if (!status.IsDirectory)
        {
            throw new IOException($"'{directory}' exists and is not a directory");
        }
        if ((status.Permissions & ~Private) == 0) return;
        if (status.OwnedByThisUser)
        {
            File.SetUnixFileMode(directory, Private);
            LogTightened(logger, directory, key, Convert.ToString((int)status.Permissions, 8));
        }
        else
        {
            LogNotOwned(logger, directory, key, status.OwnerId, Convert.ToString((int)status.Permissions, 8));
        }
    }

    private SafeFileHandle TakeLock()
    {
        var path = System.IO.Path.Combine(Path, LockFileName);
        var handle = OpenFile(path, OpenReadWrite | OpenCreate | OpenCloseOnExec, 0b110_000_000);
        if (handle.IsInvalid)
        {
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw new IOException($"{LockFileName} cannot be opened: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        if (Flock(handle, LockExclusive | LockNonBlocking) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            if (errno != WouldBlock) throw new IOException($"{LockFileName} cannot be locked: {Marshal.GetPInvokeErrorMessage(errno)}");
            throw new DataDirectoryInUseException(Path, Holder(path));
        }
        // Who holds it, for the sentence the next service prints; the lock itself is what counts.
        var text = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        RandomAccess.SetLength(handle, 0);
        RandomAccess.Write(handle, text, 0);
        return handle;
    }

    /// <summary>The pid the holder wrote, or null when it cannot be read. Read without .NET's own file locking, which the holder's lock would refuse.</summary>
    private static int? Holder(string path)
    {
        using var handle = OpenFile(path, OpenReadOnly | OpenCloseOnExec, 0);
        if (handle.IsInvalid) return null;
        var buffer = new byte[32];
        var read = RandomAccess.Read(handle, buffer, 0);
        return int.TryParse(Encoding.ASCII.GetString(buffer, 0, read).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>Releases the lock (also released when the process ends, however it ends).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _lock?.Dispose();
            _lock = null;
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial SafeFileHandle OpenFile(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle handle, int operation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Key} '{Directory}' had mode {Mode}, so other users could enter it; it is now 0700 (it holds the proxy's token and the front end's socket)")]
    private static partial void LogTightened(ILogger logger, string directory, string key, string mode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Key} '{Directory}' belongs to user {Owner} and has mode {Mode}: other users may read the proxy's token and reach the front end's socket there. Give this service a directory of its own")]
    private static partial void LogNotOwned(ILogger logger, string directory, string key, uint owner, string mode);
}
