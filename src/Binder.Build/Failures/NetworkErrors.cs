using System.Text.RegularExpressions;

namespace Binder.Build.Failures;

/// <summary>
/// Recognises, in the output of a build step or a git command, the ways a connection to a server fails (name
/// resolution, refused, timed out, unreachable, reset, a server error) as pip, apt, curl, conda, R, git and Go
/// (BuildKit) word them, and the hosts those lines name.
/// </summary>
public static partial class NetworkErrors
{
    /// <summary>
    /// What went wrong with the connection, as a sentence part ("the host name could not be resolved"), for the first
    /// line of <paramref name="lines"/> that shows a network failure; null when none does.
    /// </summary>
    public static (string Reason, string Line)? Find(IEnumerable<string> lines)
    {
        foreach (var failure in FindAll(lines))
        {
            return failure;
        }
        return null;
    }

    /// <summary>
    /// Every line of <paramref name="lines"/> that shows a network failure, with what went wrong. R's "cannot open
    /// URL" and "unable to access index" are left out when a line near them shows an HTTP 4xx status: R words a missing
    /// file (a wrong Archive version) the same way as an unreachable server, and the status tells them apart.
    /// </summary>
    public static IEnumerable<(string Reason, string Line)> FindAll(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var list = lines as IReadOnlyList<string> ?? lines.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (Describe(list[i]) is not { } reason) continue;
            if (RCannotOpen().IsMatch(list[i]) && ClientErrorNear(list, i)) continue;
            yield return (reason, list[i]);
        }
    }

    // R prints the status on the warning line and "cannot open URL" again, without it, a couple of lines later.
    private static bool ClientErrorNear(IReadOnlyList<string> lines, int index)
    {
        for (var i = Math.Max(0, index - NeighbourLines); i <= Math.Min(lines.Count - 1, index + NeighbourLines); i++)
        {
            if (ClientError().IsMatch(lines[i])) return true;
        }
        return false;
    }

    private const int NeighbourLines = 3;

    /// <summary>What went wrong with the connection according to one line, or null when the line shows no network failure.</summary>
    public static string? Describe(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (NameResolution().IsMatch(line)) return "the host name could not be resolved";
        if (Refused().IsMatch(line)) return "the connection was refused";
        if (TimedOut().IsMatch(line)) return "the connection timed out";
        if (Unreachable().IsMatch(line)) return "the network has no route to it";
        if (Reset().IsMatch(line)) return "the connection was reset";
        if (Tls().IsMatch(line)) return "the TLS connection could not be set up";
        if (ServerError().IsMatch(line)) return "it answered with a server error";
        // The server answered: what was asked for is not there (R's wording for a 404 is its wording for no connection).
        if (RCannotOpen().IsMatch(line) && ClientError().IsMatch(line)) return null;
        if (NoConnection().IsMatch(line)) return "no connection could be made";
        return null;
    }

    /// <summary>The hosts (<c>host</c> or <c>host:port</c>, lower case) a line names: in URLs, and in resolver and socket errors.</summary>
    public static IEnumerable<string> Hosts(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        foreach (Match match in HostMentions().Matches(line))
        {
            var host = match.Groups.Cast<Group>().Skip(1).First(g => g.Success).Value.Trim().TrimEnd('.', ',', ';').ToLowerInvariant();
            if (host.Length > 0) yield return host;
        }
        if (PipConnectionPool().Match(line) is { Success: true } pool)
        {
            yield return $"{pool.Groups[1].Value.ToLowerInvariant()}:{pool.Groups[2].Value}";
        }
    }

    [GeneratedRegex(@"Temporary failure in name resolution|Couldn'?t resolve host|Name or service not known|Could not resolve host|Temporary failure resolving|No address associated with hostname|nodename nor servname|no such host|Name does not resolve|getaddrinfo failed|Could not resolve proxy|\[Errno -[23]\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NameResolution();

    [GeneratedRegex(@"Connection refused|ECONNREFUSED|\[Errno 111\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Refused();

    [GeneratedRegex(@"Connection timed out|Read timed out|ConnectTimeout|connect timeout|Operation timed out|i/o timeout|TLS handshake timeout|Timeout was reached|\[Errno 110\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TimedOut();

    [GeneratedRegex(@"Network is unreachable|No route to host|Host is unreachable|\[Errno 10[1]\]|\[Errno 113\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Unreachable();

    [GeneratedRegex(@"Connection reset by peer|ECONNRESET|RemoteDisconnected|Connection aborted|\[Errno 104\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Reset();

    [GeneratedRegex(@"CERTIFICATE_VERIFY_FAILED|certificate verify failed|SSLError|SSL certificate problem", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Tls();

    [GeneratedRegex(@"HTTP error 5\d\d|\b5(?:00|02|03|04) (?:Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)|HTTP 000 CONNECTION FAILED|status was '5\d\d", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ServerError();

    [GeneratedRegex(@"Failed to establish a new connection|NewConnectionError|Max retries exceeded|CONNECTION FAILED|Could not connect to|Unable to connect to|Failed to connect to|Couldn't connect to server|unable to access index for repository|cannot open URL", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NoConnection();

    // R's words for a URL it could not get, whether the server was unreachable or answered 4xx.
    [GeneratedRegex(@"unable to access index for repository|cannot open URL", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RCannotOpen();

    // An HTTP client error as R, curl and pip print it: the server answered, so the network is not at fault.
    [GeneratedRegex(@"status was '4\d\d|\b4\d\d (?:Not Found|Forbidden|Unauthorized|Gone|Bad Request)|HTTP error 4\d\d", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ClientError();

    // URLs; apt's "resolving 'host'"; curl's "resolve host: host"; Go's "lookup host" and "dial tcp host:port"; git's "unable to access 'url'".
    [GeneratedRegex(@"[a-z][a-z0-9+.-]*://(?:[^@/\s'""]*@)?([^/\s'""\)\]>,]+)|resolving '([^']+)'|resolve host:? '?([^\s';]+)|\blookup ([^\s:]+)|dial tcp ([^\s:]+:\d+)|Could not connect to ([^\s:()]+(?::\d+)?)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HostMentions();

    // urllib3 (pip): HTTPConnectionPool(host='127.0.0.1', port=9)
    [GeneratedRegex(@"ConnectionPool\(host='([^']+)', port=(\d+)\)", RegexOptions.CultureInvariant)]
    private static partial Regex PipConnectionPool();
}
