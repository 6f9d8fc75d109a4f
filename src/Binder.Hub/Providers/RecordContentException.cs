namespace Binder.Hub.Providers;

/// <summary>
/// A record's content cannot be used: too large, too many files, or an archive whose entries would land outside the
/// build directory. The message says which and what the limit is.
/// </summary>
public sealed class RecordContentException(string message) : Exception(message);
