using System.Net;
using System.Net.Sockets;

namespace Binder.Hub.Launch;

/// <summary>
/// Free TCP ports. The OS picks a free one; this class also remembers the ports it handed out recently, so two
/// sessions starting at the same moment (each port is free until its server binds it) never get the same one.
/// </summary>
internal sealed class LoopbackPorts
{
    private static readonly TimeSpan Reservation = TimeSpan.FromMinutes(2);
    private readonly Dictionary<int, long> _handedOut = [];
    private readonly TimeProvider _timeProvider;

    public LoopbackPorts(TimeProvider timeProvider) => _timeProvider = timeProvider;

    public int Next(string ip)
    {
        var address = IPAddress.TryParse(ip, out var parsed) ? parsed : IPAddress.Loopback;
        for (var attempt = 0; ; attempt++)
        {
            var port = Free(address);
            lock (_handedOut)
            {
                var now = _timeProvider.GetTimestamp();
                foreach (var stale in _handedOut.Where(p => _timeProvider.GetElapsedTime(p.Value, now) > Reservation).Select(p => p.Key).ToList())
                {
                    _handedOut.Remove(stale);
                }
                if (_handedOut.TryAdd(port, now) || attempt >= 20)
                {
                    return port;
                }
            }
        }
    }

    /// <summary>
    /// Two distinct free ports, picked while both listeners are open (picking one after the other could hand out the
    /// same port twice once the first listener closes).
    /// </summary>
    /// <summary>Two distinct free ports, picked while both are held.</summary>
    public static (int First, int Second) FreePair(IPAddress first, IPAddress second) => Binder.Build.Run.FreePorts.Pair(first, second);

    public static int Free(IPAddress address) => Binder.Build.Run.FreePorts.On(address);
}
