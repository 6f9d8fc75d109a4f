namespace Binder.Actors;

/// <summary>A write found the stored record at a different version than the one the grain read (another writer
/// changed it). Re-read the state, re-apply the change and write again, or deactivate.</summary>
/// <param name="message">What conflicted.</param>
/// <param name="storedEtag">The version found in storage (null: no record).</param>
/// <param name="currentEtag">The version the writer expected.</param>
public sealed class InconsistentStateException(string message, string? storedEtag, string? currentEtag) : Exception(message)
{
    /// <summary>The version found in storage (null: no record).</summary>
    public string? StoredEtag { get; } = storedEtag;

    /// <summary>The version the writer expected.</summary>
    public string? CurrentEtag { get; } = currentEtag;
}
