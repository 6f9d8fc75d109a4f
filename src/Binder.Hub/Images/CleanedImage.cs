namespace Binder.Hub.Images;

/// <summary>An image the <see cref="ImageCleaner"/> removed.</summary>
/// <param name="Name">The name it had (the first, when it had several of Binder's).</param>
/// <param name="Id">Its id.</param>
/// <param name="LastUsed">When it was last built, pulled or launched.</param>
/// <param name="Bytes">About what its removal freed: its layers no other image uses.</param>
public sealed record CleanedImage(string Name, string Id, DateTimeOffset LastUsed, long Bytes);
