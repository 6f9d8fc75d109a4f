namespace Binder.Server.Pages;

/// <summary>
/// Checks the path a launch link opens inside the session (<c>urlpath</c>, <c>filepath</c>, <c>labpath</c>): it is
/// appended to the session's URL, token and all, so a path that climbs out of it (<c>..</c>, also written
/// <c>%2e%2e</c>, with backslashes, or with tabs and newlines, which browsers drop) would hand the user's token to
/// another session's address. Checked the way a browser resolves the URL.
/// </summary>
internal static class SessionPath
{
    public static readonly string[] Parameters = ["urlpath", "filepath", "labpath"];

    /// <summary>Whether resolving <paramref name="path"/> below the session's URL would leave it.</summary>
    public static bool LeavesSession(string path)
    {
        // What a URL parser does before it resolves dot segments: drops tabs and newlines, reads \ as /, and ends
        // the path at the query or fragment.
        var cleaned = new string(path.Where(c => c is not ('\t' or '\n' or '\r')).ToArray()).Replace('\\', '/');
        var end = cleaned.IndexOfAny(['?', '#']);
        if (end >= 0) cleaned = cleaned[..end];
        var depth = 0;
        foreach (var segment in cleaned.Split('/'))
        {
            var dots = segment.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase);
            if (dots == "..")
            {
                if (--depth < 0) return true;
            }
            else if (dots is not ("." or ""))
            {
                depth++;
            }
        }
        return false;
    }
}
