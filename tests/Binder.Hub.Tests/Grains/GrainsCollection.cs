namespace Binder.Hub.Tests.Grains;

/// <summary>The grain tests share one daemon and two cores: they run one class at a time.</summary>
[CollectionDefinition(Name)]
public sealed class GrainsCollection
{
    public const string Name = "Grains";
}
