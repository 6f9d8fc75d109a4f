namespace Binder.Actors.TestSilo;

/// <summary>Placed on the silo of its first caller.</summary>
[PreferLocalPlacement]
public interface ILocalPlacedGrain : IGrainWithStringKey
{
    /// <summary>The id of the silo hosting this activation.</summary>
    Task<string> Where();
}

/// <summary>Placed on a random active silo.</summary>
[RandomPlacement]
public interface IRandomPlacedGrain : IGrainWithStringKey
{
    /// <summary>The id of the silo hosting this activation.</summary>
    Task<string> Where();
}

public sealed class LocalPlacedGrain(ILocalSiloDetails silo) : Grain, ILocalPlacedGrain
{
    public Task<string> Where() => Task.FromResult(silo.SiloId);
}

public sealed class RandomPlacedGrain(ILocalSiloDetails silo) : Grain, IRandomPlacedGrain
{
    public Task<string> Where() => Task.FromResult(silo.SiloId);
}
