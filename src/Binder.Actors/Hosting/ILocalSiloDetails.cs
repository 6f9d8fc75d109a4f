namespace Binder.Actors;

/// <summary>The silo a grain (or a service) runs in; injectable into grain constructors and services.</summary>
public interface ILocalSiloDetails
{
    /// <summary>The silo's identity (in a cluster: <c>address@generation</c>).</summary>
    string SiloId { get; }

    /// <summary>The node the silo runs on.</summary>
    string NodeName { get; }

    /// <summary>Identities (<c>interface/key</c>) of the activations currently in this silo.</summary>
    IReadOnlyList<string> GetActivationIds();

    /// <summary>Counters of this silo.</summary>
    SiloRuntimeStatistics GetStatistics();
}
