namespace Binder.Hub.Launch;

/// <summary>A running (or stopped but not yet removed) session container.</summary>
/// <param name="SessionId">The session id from the container's label.</param>
/// <param name="ContainerId">The backend's container id.</param>
/// <param name="Target">Where the proxy sends the session's traffic, e.g. <c>http://127.0.0.1:41234</c>.</param>
/// <param name="Running">Whether the container is running.</param>
/// <param name="CreatedAt">When the container was created.</param>
[GenerateSerializer, Alias("binder.SessionContainer")]
public sealed record SessionContainer(string SessionId, string ContainerId, string Target, bool Running, DateTimeOffset CreatedAt)
{
    // Serializer ids 0 to 4 are the primary constructor's parameters.

    /// <summary>Jupyter's base URL in the container (<c>/user/&lt;session&gt;/</c>), as it was started.</summary>
    [Id(5)] public string BaseUrl { get; init; } = $"/user/{SessionId}/";

    /// <summary>
    /// Where people reach the session when the backend's own proxy serves it (a JupyterHub's <c>/user/&lt;name&gt;/</c>):
    /// Binder adds no route then. Null: Binder's proxy routes <c>/user/&lt;session&gt;/</c> to <see cref="Target"/>.
    /// </summary>
    [Id(6)] public string? Url { get; init; }

    /// <summary>The token people use, when the backend issued its own (a hub token of the session's user); null: the
    /// token of <see cref="SessionStart"/>. Only set by a start, never by a listing.</summary>
    [Id(7)] public string? Token { get; init; }

    // Records print every property; the session's token must not reach a log that prints the container.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"SessionId = {SessionId}, ContainerId = {ContainerId}, Target = {Target}, Running = {Running}, CreatedAt = {CreatedAt}, BaseUrl = {BaseUrl}, Url = {Url}, Token = {(Token is null ? "" : "***")}");
        return true;
    }
}
