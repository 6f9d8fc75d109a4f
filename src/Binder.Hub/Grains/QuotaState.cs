namespace Binder.Hub.Grains;

/// <summary>What a quota grain persists: the sessions holding its slots.</summary>
[GenerateSerializer, Alias("binder.QuotaState")]
internal sealed record QuotaState
{
    [Id(0)] public List<string> Holders { get; init; } = [];
}
