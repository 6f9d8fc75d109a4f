namespace Binder.Actors.Persistence;

internal static class StorageConflict
{
    public static InconsistentStateException Create(string stateName, string grainId, string? stored, string? expected) => new(
        $"State '{stateName}' of grain {grainId} was changed by another writer: storage holds version {stored ?? "(none)"} but this activation expected {expected ?? "(none)"}. Re-read the state and retry, or deactivate the grain.",
        stored,
        expected);
}
