namespace Binder.Hub.Grains;

/// <summary>What a quota grain persists: the sessions holding its slots.</summary>
internal sealed record QuotaState
{
    public List<string> Holders { get; init; } = [];
}
