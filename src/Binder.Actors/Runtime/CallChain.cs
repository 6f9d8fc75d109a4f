namespace Binder.Actors.Runtime;

/// <summary>The activations, innermost first, whose turn is waiting for the current call. Used to detect a chain that
/// comes back into a non-reentrant activation, which would otherwise wait for itself forever.</summary>
internal sealed class CallChain(GrainId id, CallChain? next)
{
    public GrainId Id { get; } = id;

    public CallChain? Next { get; } = next;

    public bool Contains(GrainId id)
    {
        for (var c = this; c is not null; c = c.Next)
        {
            if (c.Id == id)
            {
                return true;
            }
        }

        return false;
    }

    public string[] ToArray()
    {
        var list = new List<string>();
        for (var c = this; c is not null; c = c.Next)
        {
            list.Add(c.Id.ToString());
        }

        return [.. list];
    }

    public static CallChain? FromArray(string[]? ids)
    {
        CallChain? chain = null;
        if (ids is null)
        {
            return null;
        }

        for (var i = ids.Length - 1; i >= 0; i--)
        {
            chain = new CallChain(GrainId.Parse(ids[i]), chain);
        }

        return chain;
    }

    public string Describe(GrainId final) => string.Join(" -> ", ToArray().Reverse().Append(final.ToString()));
}
