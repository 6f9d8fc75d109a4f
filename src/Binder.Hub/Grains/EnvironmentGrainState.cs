namespace Binder.Hub.Grains;

/// <summary>What an environment grain persists: the last image built with its environment.</summary>
[GenerateSerializer, Alias("binder.EnvironmentGrainState")]
internal sealed record EnvironmentGrainState
{
    [Id(0)] public EnvironmentImage? Last { get; init; }
}
