using System.Security.Cryptography;
using System.Text;

namespace Binder.Hub.Grains;

/// <summary>
/// Picks the node for a build: rendezvous (highest random weight) hashing of the repository over the nodes that have a
/// free slot, so rebuilds of a repository land where its layer cache is and a node joining or leaving moves only its
/// own share; when every node is busy, the least loaded one.
/// </summary>
internal static class NodePicker
{
    public static string Pick(string repository, IReadOnlyList<BuilderLoad> loads)
    {
        if (loads.Count == 0) throw new ArgumentException("No node to pick from.", nameof(loads));
        var free = loads.Where(l => l.HasCapacity).ToList();
        if (free.Count > 0)
        {
            return free.MaxBy(l => Score(repository, l.Node))!.Node;
        }
        return loads.OrderBy(l => l.Utilisation).ThenByDescending(l => Score(repository, l.Node)).First().Node;
    }

    public static ulong Score(string repository, string node)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(repository + "\n" + node));
        return BitConverter.ToUInt64(hash, 0);
    }
}
