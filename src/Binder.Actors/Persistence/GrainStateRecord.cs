namespace Binder.Actors;

/// <summary>A stored state record: the JSON text and its version.</summary>
/// <param name="Json">The state serialized as JSON.</param>
/// <param name="Etag">The record's version.</param>
public sealed record GrainStateRecord(string Json, string Etag);
