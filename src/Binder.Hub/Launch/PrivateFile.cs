namespace Binder.Hub.Launch;

/// <summary>
/// Files only this user may read (mode 0600 from their creation, never wider for a moment): the proxy's token, its
/// output, the script loaded into it.
/// </summary>
internal static class PrivateFile
{
    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Replaces <paramref name="path"/> in one step with a new 0600 file that <paramref name="write"/> fills.</summary>
    public static void Replace(string path, Action<Stream> write)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.new";
        try
        {
            using (var stream = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = Mode,
            }))
            {
                write(stream);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Replaces <paramref name="path"/> with a 0600 file holding <paramref name="text"/>.</summary>
    public static void WriteAllText(string path, string text) =>
        Replace(path, stream =>
        {
            using var writer = new StreamWriter(stream);
            writer.Write(text);
        });
}
