namespace Binder.Build.Tests.Buildpacks;

/// <summary>A repository laid out in a fresh temporary directory, deleted afterwards.</summary>
internal sealed class TempRepository : IDisposable
{
    public TempRepository()
    {
        Root = Directory.CreateTempSubdirectory("binder-buildpacks-").FullName;
    }

    public string Root { get; }

    /// <summary>Creates a file (and its directories) with the given content.</summary>
    public TempRepository File(string relativePath, string content = "")
    {
        var full = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, content);
        return this;
    }

    /// <summary>Creates an empty directory.</summary>
    public TempRepository Dir(string relativePath)
    {
        Directory.CreateDirectory(Path.Combine(Root, relativePath));
        return this;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing a test for.
        }
    }
}
