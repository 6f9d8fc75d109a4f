namespace Binder.Actors;

/// <summary>A stored state record: the JSON text and its version.</summary>
/// <param name="Json">The state serialized as JSON, or null when the state was cleared: a cleared record stays as a
/// tombstone that keeps its version, so a writer holding an ETag from before the clear cannot overwrite newer data.</param>
/// <param name="Etag">The record's version.</param>
public sealed record GrainStateRecord(string? Json, string Etag);
