using System.Text.Json;

namespace Binder.Actors.Cluster;

/// <summary>A call sent from one silo (or client) to another.</summary>
internal sealed record CallMessage(
    string Grain,
    string Key,
    string Interface,
    string Method,
    JsonElement[] Args,
    string[]? Chain,
    string? From,
    int Hops,
    string? TargetSilo);

/// <summary>The answer to a <see cref="CallMessage"/>: <c>ok</c> with a result, or <c>error</c>.</summary>
internal sealed record CallResponse(string Status, JsonElement? Result, string? Silo, RemoteError? Error);

/// <summary>An exception thrown remotely.</summary>
internal sealed record RemoteError(string Type, string Message);

/// <summary>One line of a streamed response: an item, the end, or an error.</summary>
internal sealed record StreamLine(JsonElement? Item, bool End, RemoteError? Error);
