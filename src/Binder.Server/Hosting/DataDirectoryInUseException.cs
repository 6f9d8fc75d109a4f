namespace Binder.Server.Hosting;

/// <summary>Another running <c>binder serve</c> holds the lock on the data directory: this one must not start on it.</summary>
public sealed class DataDirectoryInUseException : Exception
{
    /// <summary>Creates the exception for <paramref name="directory"/>, held by <paramref name="holderPid"/> when known.</summary>
    public DataDirectoryInUseException(string directory, int? holderPid)
        : base($"Another binder serve{(holderPid is { } pid ? $" (pid {pid})" : "")} uses data directory {directory}; stop it or set Server:DataDirectory to another directory.")
    {
        Directory = directory;
        HolderPid = holderPid;
    }

    /// <summary>The data directory.</summary>
    public string Directory { get; }

    /// <summary>The pid of the service that holds it, when it could be read.</summary>
    public int? HolderPid { get; }
}
