namespace Binder.Actors.Runtime;

/// <summary>The turns, innermost first, that are blocked waiting for the current call: each entry is an activation's
/// grain id and the id of the request (turn) it is running. A call deadlocks only if the turn that currently holds the
/// target activation is one of these entries; a grain id alone is not enough, because a grain that appears earlier in
/// the chain may since have finished that turn and be busy with an unrelated call that the new call can wait for.</summary>
internal sealed class CallChain(GrainId id, long turnId, CallChain? next)
{
    public GrainId Id { get; } = id;

    /// <summary>The id of the blocked turn on <see cref="Id"/>; 0 when unknown (an entry from an older silo).</summary>
    public long TurnId { get; } = turnId;

    public CallChain? Next { get; } = next;

    /// <summary>Whether the chain waits for turn <paramref name="turnId"/> of grain <paramref name="id"/>.</summary>
    public bool Contains(GrainId id, long turnId)
    {
        for (var c = this; c is not null; c = c.Next)
        {
            if (c.TurnId == turnId && c.Id == id)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The wire form: one string per entry, <c>"&lt;turn id&gt;:&lt;grain id&gt;"</c>. The turn id is a
    /// prefix of digits because a grain id starts with an interface name, which never starts with a digit, so an entry
    /// without a turn id (plain grain id) still parses.</summary>
    public string[] ToArray()
    {
        var list = new List<string>();
        for (var c = this; c is not null; c = c.Next)
        {
            list.Add(c.TurnId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + c.Id);
        }

        return [.. list];
    }

    public static CallChain? FromArray(string[]? entries)
    {
        CallChain? chain = null;
        if (entries is null)
        {
            return null;
        }

        for (var i = entries.Length - 1; i >= 0; i--)
        {
            var entry = entries[i];
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            long turn = 0;
            if (colon > 0 && long.TryParse(entry.AsSpan(0, colon), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                turn = parsed;
                entry = entry[(colon + 1)..];
            }

            chain = new CallChain(GrainId.Parse(entry), turn, chain);
        }

        return chain;
    }

    /// <summary>The grain ids, outermost first, followed by <paramref name="final"/>, for error messages.</summary>
    public string Describe(GrainId final)
    {
        var ids = new List<string>();
        for (var c = this; c is not null; c = c.Next)
        {
            ids.Add(c.Id.ToString());
        }

        ids.Reverse();
        ids.Add(final.ToString());
        return string.Join(" -> ", ids);
    }
}
