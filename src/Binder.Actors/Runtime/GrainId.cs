namespace Binder.Actors.Runtime;

/// <summary>A grain's identity: the full name of its grain interface and its key.</summary>
internal readonly record struct GrainId(string Type, string Key)
{
    public override string ToString() => Type + "/" + Key;

    public static GrainId Parse(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? throw new FormatException($"'{value}' is not a grain id: expected '<interface>/<key>'.")
            : new GrainId(value[..slash], value[(slash + 1)..]);
    }
}
