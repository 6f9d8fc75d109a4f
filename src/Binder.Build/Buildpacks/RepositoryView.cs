namespace Binder.Build.Buildpacks;

/// <summary>
/// The repository as detection sees it: its root, and the directory configuration is read from (<c>binder/</c>,
/// <c>.binder/</c> or the root). Reads are bounded, and reads and existence checks refuse any path whose real
/// location (<see cref="RealPath"/>) is outside the repository, so planning never reads a host file through a link
/// in someone's repository.
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

    /// <summary>The repository's root directory (absolute).</summary>
    public string Root => _root;

    /// <summary>The directory configuration is read from: <c>binder</c>, <c>.binder</c>, or <c>""</c> for the root.</summary>
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

    /// <summary>
    /// Whether a regular file is there. A file that is there but, with its links followed, lies outside the repository
    /// is refused rather than reported absent, so a repository cannot make the host's files decide its build.
    /// </summary>
    public bool FileExists(string relativePath)
    {
        var full = Full(relativePath);
        if (!File.Exists(full))
        {
            return false;
        }
        EnsureInside(full, relativePath);
        return true;
    }

    public string ReadEnvFile(string fileName) => Read(EnvPath(fileName));

    public string Read(string relativePath)
    {
        // As before: a byte-order mark chooses the encoding, and bytes that are not UTF-8 become U+FFFD, so planning
        // reads what pip and micromamba will be given; binder lint decodes strictly instead (ReadBytes).
        using var reader = new StreamReader(new MemoryStream(ReadBytes(relativePath)));
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The bytes of a regular file inside the repository, at most <see cref="MaxConfigFileBytes"/> of them.
    /// Everything that keeps it from being read is a <see cref="RepositoryLayoutException"/> naming the file.
    /// </summary>
    public byte[] ReadBytes(string relativePath)
    {
        var full = Full(relativePath);
        EnsureInside(full, relativePath);
        // A pipe would block the open, a device could be endless: neither is a configuration file.
        if (RealPath.Resolve(full) is { } real && !Context.UnixFileType.IsRegularFile(real))
        {
            throw new RepositoryLayoutException(
                $"{relativePath} is not a regular file (a pipe, socket or device), so it cannot be read. Replace it with the file itself.")
            {
                FilePath = relativePath,
            };
        }
        try
        {
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.Length > MaxConfigFileBytes)
            {
                throw new RepositoryLayoutException(
                    $"{relativePath} is larger than {MaxConfigFileBytes / 1024} KiB, too large for a configuration file. Shorten it.")
                {
                    FilePath = relativePath,
                };
            }
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new RepositoryLayoutException($"{relativePath} does not exist (it may be a broken symbolic link). Add the file or remove what refers to it.")
            {
                FilePath = relativePath,
            };
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // The system's own words name the absolute path; the message names the repository's file only.
            throw new RepositoryLayoutException(
                $"{relativePath} cannot be read ({(e is UnauthorizedAccessException ? "permission denied" : "an input/output error")}). Make it a readable file.")
            {
                FilePath = relativePath,
            };
        }
    }

    /// <summary>The SHA-256 of a file's bytes, read as a stream (a lock file may be large), or null when it is not there.</summary>
    public byte[]? HashOf(string relativePath)
    {
        if (!FileExists(relativePath))
        {
            return null;
        }
        using var stream = new FileStream(Full(relativePath), FileMode.Open, FileAccess.Read, FileShare.Read);
        return System.Security.Cryptography.SHA256.HashData(stream);
    }

    private string Full(string relativePath) => Path.Combine(_root, relativePath.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>
    /// Refuses a path whose real location (every link along it followed, intermediate directories included) is not
    /// inside the repository. Checking only the last link's target would let <c>b -&gt; /</c> plus
    /// <c>apt.txt -&gt; b/etc/passwd</c> through. The message never quotes the file, which may be a host secret.
    /// </summary>
    private void EnsureInside(string fullPath, string relativePath)
    {
        // A path that does not resolve at all (missing, or a dangling link) reads nothing; opening it reports that.
        if (RealPath.Resolve(fullPath) is not null && !RealPath.IsInside(_root, fullPath))
        {
            throw new RepositoryLayoutException(
                $"{relativePath} is a symbolic link pointing outside the repository, which the builder does not follow. Replace it with the file itself.")
            {
                FilePath = relativePath,
            };
        }
    }
}
