namespace Binder.Actors.Cluster;

/// <summary>This process's latest reading of the membership table (silos not declared dead).</summary>
internal sealed class ClusterView
{
    private volatile IReadOnlyList<SiloInfo> _silos = [];

    public IReadOnlyList<SiloInfo> Silos => _silos;

    public IEnumerable<SiloInfo> Active => _silos.Where(s => s.Status == SiloStatus.Active);

    public void Update(IReadOnlyList<SiloInfo> silos) => _silos = silos;

    public SiloInfo? Find(string siloId)
    {
        foreach (var silo in _silos)
        {
            if (silo.SiloId == siloId)
            {
                return silo;
            }
        }

        return null;
    }

    public bool IsAlive(string siloId) => Find(siloId) is not null;

    /// <summary>Rendezvous hashing: the silo with the highest hash of (key, silo) wins, so when a silo leaves only its
    /// own keys move.</summary>
    public static SiloInfo? Rendezvous(string key, IEnumerable<SiloInfo> candidates)
    {
        SiloInfo? best = null;
        ulong bestScore = 0;
        foreach (var silo in candidates)
        {
            var score = Fnv(key, silo.SiloId);
            if (best is null || score > bestScore)
            {
                best = silo;
                bestScore = score;
            }
        }

        return best;
    }

    private static ulong Fnv(string a, string b)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in a)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash = (hash ^ '|') * 1099511628211UL;
        foreach (var c in b)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        // A final avalanche so that similar keys spread over silos.
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return hash;
    }
}
