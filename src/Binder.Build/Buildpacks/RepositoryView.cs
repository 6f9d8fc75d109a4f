namespace Binder.Build.Buildpacks;

/// <summary>
/// The repository as detection sees it: its root, and the directory configuration is read from (<c>binder/</c>,
/// <c>.binder/</c> or the root). Reads are bounded and refuse symbolic links that leave the repository, so
/// planning never reads a host file through a link in someone's repository.
/// </summary>
internal sealed class RepositoryView
{
    /// <summary>Configuration files are small; anything larger is not read whole during planning.</summary>
    internal const int MaxConfigFileBytes = 1024 * 1024;

    private readonly string _root;

    private RepositoryView(string root, string environmentDirectory)
    {
        _root = root;
        EnvironmentDirectory = environmentDirectory;
    }

    public string EnvironmentDirectory { get; }

    public bool HasBinderDirectory => EnvironmentDirectory.Length > 0;

    public static RepositoryView Open(string repositoryDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(repositoryDirectory);
        var root = Path.GetFullPath(repositoryDirectory);
        if (!Directory.Exists(root))
        {
            throw new RepositoryLayoutException($"'{repositoryDirectory}' is not a directory: give the path of a checked-out repository.");
        }
        var binder = Directory.Exists(Path.Combine(root, "binder"));
        var dotBinder = Directory.Exists(Path.Combine(root, ".binder"));
        if (binder && dotBinder)
        {
            throw new RepositoryLayoutException(
                "The repository has both a 'binder' and a '.binder' directory, and only one may hold the environment. "
                + "Move the files into one of them and delete the other.");
        }
        var view = new RepositoryView(root, binder ? "binder" : dotBinder ? ".binder" : "");
        if (view.HasBinderDirectory)
        {
            view.EnsureInside(Path.Combine(root, view.EnvironmentDirectory), view.EnvironmentDirectory);
        }
        return view;
    }

    /// <summary>The repository-relative path of a file in the configuration directory.</summary>
    public string EnvPath(string fileName) => EnvironmentDirectory.Length == 0 ? fileName : EnvironmentDirectory + "/" + fileName;

    public bool EnvFileExists(string fileName) => FileExists(EnvPath(fileName));

    /// <summary>Root-only files (<c>setup.py</c>, <c>pyproject.toml</c>, <c>DESCRIPTION</c>) count only without a binder directory.</summary>
    public bool RootOnlyFileExists(string fileName) => !HasBinderDirectory && FileExists(fileName);

    public bool FileExists(string relativePath) => File.Exists(Full(relativePath));

    public string ReadEnvFile(string fileName) => Read(EnvPath(fileName));

    public string Read(string relativePath)
    {
        var full = Full(relativePath);
        EnsureInside(full, relativePath);
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > MaxConfigFileBytes)
        {
            throw new RepositoryLayoutException(
                $"{relativePath} is larger than {MaxConfigFileBytes / 1024} KiB, too large for a configuration file. Shorten it.");
        }
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private string Full(string relativePath) => Path.Combine(_root, relativePath.Replace('/', Path.DirectorySeparatorChar));

    private void EnsureInside(string fullPath, string relativePath)
    {
        FileSystemInfo info = Directory.Exists(fullPath) ? new DirectoryInfo(fullPath) : new FileInfo(fullPath);
        if (info.LinkTarget is null)
        {
            return;
        }
        var target = info.ResolveLinkTarget(returnFinalTarget: true);
        var rootWithSeparator = _root.EndsWith(Path.DirectorySeparatorChar) ? _root : _root + Path.DirectorySeparatorChar;
        if (target is null || !Path.GetFullPath(target.FullName).StartsWith(rootWithSeparator, StringComparison.Ordinal))
        {
            throw new RepositoryLayoutException(
                $"{relativePath} is a symbolic link pointing outside the repository, which the builder does not follow. Replace it with the file itself.");
        }
    }
}
