namespace Binder.Hub.Placement;

/// <summary>No live silo runs the node a node-pinned grain was asked for: the node left or never joined.</summary>
[GenerateSerializer, Alias("binder.NodeUnavailableException")]
public sealed class NodeUnavailableException : OrleansException
{
    /// <summary>Creates the exception with the sentence that names the node and the live ones.</summary>
    public NodeUnavailableException(string message) : base(message)
    {
    }
}
