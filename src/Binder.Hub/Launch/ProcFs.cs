using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Binder.Hub.Launch;

/// <summary>
/// What Linux's <c>/proc</c> tells about other processes: whether a pid is still the process it was (its start time),
/// its command line and name, and which process listens on a TCP port. Used to recognise the proxy a previous run left, and to
/// name the program that holds a port the proxy needs.
/// </summary>
internal static class ProcFs
{
    /// <summary>The process's start time in clock ticks since boot (field 22 of <c>/proc/pid/stat</c>), or null when it does not exist.</summary>
    public static long? StartTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state); a zombie has exited already.
            if (fields[0] == "Z") return null;
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="pid"/> is still the process that started at <paramref name="startTicks"/>.</summary>
    public static bool IsAlive(int pid, long startTicks) => StartTicks(pid) == startTicks;

    /// <summary>The process's arguments (argv), or empty when it cannot be read.</summary>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>The process's command name (<c>/proc/pid/comm</c>, at most 15 characters, no arguments), or "?" when it cannot be read.</summary>
    public static string CommandName(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }

    /// <summary>
    /// The process listening on <paramref name="address"/>:<paramref name="port"/> (or on the wildcard address), with
    /// its command name; null when none is found or it cannot be seen (another user's process).
    /// </summary>
    public static (int Pid, string Name)? Listener(IPAddress address, int port)
    {
        var inodes = ListeningInodes(address, port);
        if (inodes.Count == 0) return null;
        foreach (var directory in SafeEnumerate("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            foreach (var fd in SafeEnumerate($"/proc/{pid}/fd"))
            {
                string? target;
                try
                {
                    target = new FileInfo(fd).LinkTarget;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue;
                }
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                    && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
                    && inodes.Contains(inode))
                {
                    return (pid, CommandName(pid));
                }
            }
        }
        return null;
    }

    private static HashSet<long> ListeningInodes(IPAddress address, int port)
    {
        var inodes = new HashSet<long>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(table);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            foreach (var line in lines.Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 10 || fields[3] != "0A") continue;
                var local = fields[1].Split(':');
                if (local.Length != 2 || int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) != port) continue;
                var listening = ParseAddress(local[0]);
                if (listening is null || !(listening.Equals(address) || IsAny(listening) || Mapped(listening, address))) continue;
                if (long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode)) inodes.Add(inode);
            }
        }
        return inodes;
    }

    private static bool IsAny(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private static bool Mapped(IPAddress listening, IPAddress address) => listening.IsIPv4MappedToIPv6 && listening.MapToIPv4().Equals(address);

    /// <summary>Addresses in <c>/proc/net/tcp*</c> are hex words in host byte order (little-endian here).</summary>
    private static IPAddress? ParseAddress(string hex)
    {
        try
        {
            var bytes = Convert.FromHexString(hex);
            for (var i = 0; i < bytes.Length; i += 4) Array.Reverse(bytes, i, 4);
            return new IPAddress(bytes);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static IEnumerable<string> SafeEnumerate(string directory)
    {
        try
        {
            return Directory.GetFileSystemEntries(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Whether something accepts TCP connections at the endpoint.</summary>
    public static bool Accepts(IPEndPoint endpoint)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(endpoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
