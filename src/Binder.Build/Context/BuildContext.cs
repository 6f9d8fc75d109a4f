using System.Formats.Tar;
using System.Text;

namespace Binder.Build.Context;

/// <summary>
/// A Docker build context: the repository's files (placed under a prefix) with the generated Dockerfile and support
/// files beside them, checked against the configured limits before anything is sent, then written as a tar stream.
/// </summary>
/// <remarks>
/// Symbolic links are kept as links when they point inside the repository and left out when they point outside it,
/// so a repository can never pull a file of the build machine into an image. The ignore files the
/// <see cref="ContextSelection"/> names are honoured, and the context can say why a file is not in it.
/// </remarks>
public sealed class BuildContext
{
    private readonly List<Entry> entries;
    private readonly string root;
    private readonly string prefix;
    private readonly HashSet<string> included;

    private BuildContext(List<Entry> entries, long totalBytes, IReadOnlyList<string> skipped, string root, string prefix, DockerIgnore ignore, HashSet<string> included)
    {
        this.entries = entries;
        this.root = root;
        this.prefix = prefix;
        this.included = included;
        TotalBytes = totalBytes;
        SkippedLinks = skipped;
        Ignore = ignore;
    }

    /// <summary>The ignore rules that applied.</summary>
    public DockerIgnore Ignore { get; }

    /// <summary>The bytes of file content the context holds.</summary>
    public long TotalBytes { get; }

    /// <summary>How many entries (files, directories, links) the context holds.</summary>
    public int Count => entries.Count;

    /// <summary>Repository-relative paths of symbolic links left out because they point outside the repository.</summary>
    public IReadOnlyList<string> SkippedLinks { get; }

    /// <summary>The context-relative paths of all entries, in the order they are written.</summary>
    public IEnumerable<string> Paths => entries.Select(e => e.Path);

    /// <summary>Collects the entries of a context and checks the limits.</summary>
    /// <param name="repositoryDirectory">The repository to include.</param>
    /// <param name="repositoryPrefix">Where the repository goes in the context: <c>""</c> or a folder such as <c>src/</c>.</param>
    /// <param name="extraFiles">Generated files (context-relative path to content), written executable.</param>
    /// <param name="options">Limits.</param>
    /// <param name="selection">Which ignore files apply and which files must be there; null: <c>docker build</c>'s rules.</param>
    /// <exception cref="BuildContextException">
    /// A file or the whole repository is over a limit, an ignore file is invalid, or an ignore rule leaves out a file the
    /// build needs.
    /// </exception>
    public static BuildContext Create(
        string repositoryDirectory, string repositoryPrefix, IReadOnlyDictionary<string, string> extraFiles, BuildContextOptions options,
        ContextSelection? selection = null)
    {
        var root = Path.GetFullPath(repositoryDirectory);
        var prefix = repositoryPrefix.Trim('/');
        var ignore = selection?.IgnoreFiles is { } ignoreFiles ? DockerIgnore.LoadFiles(root, ignoreFiles) : DockerIgnore.Load(root);
        var always = new HashSet<string>(selection?.AlwaysIncluded ?? [], StringComparer.Ordinal);
        // Directories above an always-included file are walked even when a rule excludes them.
        var alwaysParents = new HashSet<string>(always.SelectMany(Parents), StringComparer.Ordinal);
        var included = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<Entry>();
        var skipped = new List<string>();
        long total = 0;

        // The context root comes first: BuildKit tells a tar from a bare Dockerfile by the first header alone.
        list.Add(Entry.Directory(".", (UnixFileMode)0b111_101_101, DateTime.UnixEpoch));
        if (prefix.Length > 0) list.Add(Entry.Directory(prefix, (UnixFileMode)0b111_101_101, DateTime.UnixEpoch));
        Walk(root, "");

        foreach (var (path, content) in extraFiles.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var bytes = Encoding.UTF8.GetBytes(content);
            list.Add(Entry.Generated(path.TrimStart('/'), bytes));
        }
        foreach (var required in selection?.RequiredFiles ?? [])
        {
            if (!included.Contains(required) && ignore.ExcludingRule(required) is { } rule)
            {
                throw new BuildContextException(
                    $"The build needs {required}, but {rule} leaves it out of the build context. " +
                    $"Remove that line, or add a line '!{required}' after it.");
            }
        }
        return new BuildContext(list, total, skipped, root, prefix, ignore, included);

        void Walk(string directory, string relative)
        {
            IEnumerable<FileSystemInfo> children;
            try
            {
                children = new DirectoryInfo(directory).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false })
                    .OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
            }
            catch (UnauthorizedAccessException)
            {
                throw new BuildContextException($"Cannot read the directory '{(relative.Length == 0 ? "." : relative)}' of the repository: permission denied.");
            }
            foreach (var child in children)
            {
                var childRelative = relative.Length == 0 ? child.Name : relative + "/" + child.Name;
                var excluded = ignore.IsExcluded(childRelative) && !always.Contains(childRelative);
                var contextPath = prefix.Length == 0 ? childRelative : prefix + "/" + childRelative;
                if (child.LinkTarget is { } target)
                {
                    if (excluded) continue;
                    if (PointsInside(root, Path.GetDirectoryName(child.FullName)!, target))
                    {
                        list.Add(Entry.Link(contextPath, target));
                        included.Add(childRelative);
                    }
                    else
                    {
                        skipped.Add(childRelative);
                    }
                    continue;
                }
                if (child is DirectoryInfo dir)
                {
                    if (excluded && !ignore.HasExceptions && !alwaysParents.Contains(childRelative)) continue;
                    if (!excluded) list.Add(Entry.Directory(contextPath, dir.UnixFileMode, dir.LastWriteTimeUtc));
                    Walk(dir.FullName, childRelative);
                    continue;
                }
                if (excluded || child is not FileInfo file || !IsRegularFile(file))
                {
                    continue;
                }
                if (file.Length > options.MaxFileBytes)
                {
                    throw new BuildContextException(
                        $"The file '{childRelative}' is {Size(file.Length)}, over the limit of {Size(options.MaxFileBytes)} for one file (BuildContext:MaxFileBytes). " +
                        "Remove it from the repository, list it in .dockerignore, or fetch it at run time instead.");
                }
                total += file.Length;
                if (total > options.MaxContextBytes)
                {
                    throw new BuildContextException(
                        $"The repository holds more than {Size(options.MaxContextBytes)} of files (BuildContext:MaxContextBytes). " +
                        "Leave large data out of the repository (or list it in .dockerignore) and download it at run time.");
                }
                if (list.Count >= options.MaxFiles)
                {
                    throw new BuildContextException(
                        $"The repository holds more than {options.MaxFiles:N0} files (BuildContext:MaxFiles). List generated or vendored files in .dockerignore.");
                }
                list.Add(Entry.File(contextPath, file.FullName, file.UnixFileMode, file.LastWriteTimeUtc));
                included.Add(childRelative);
            }
        }
    }

    /// <summary>
    /// The repository-relative path of a path in the context (<c>src/data.csv</c> -> <c>data.csv</c>), or null when the
    /// path is outside the repository's place (a generated file).
    /// </summary>
    public string? RepositoryPathOf(string contextPath)
    {
        var path = contextPath.Trim('/');
        if (prefix.Length == 0) return path;
        return path == prefix ? "" : path.StartsWith(prefix + "/", StringComparison.Ordinal) ? path[(prefix.Length + 1)..] : null;
    }

    /// <summary>
    /// Why a repository file is not in the context, as a sentence part ("line 2 of .dockerignore ('data') excludes
    /// it"), or null when it is there (or the path is empty).
    /// </summary>
    public string? WhyMissing(string repositoryPath)
    {
        if (repositoryPath.Length == 0 || included.Contains(repositoryPath)) return null;
        if (Ignore.ExcludingRule(repositoryPath) is { } rule) return $"{rule} excludes it";
        if (SkippedLinks.Contains(repositoryPath)) return "it is a symbolic link pointing outside the repository, which is left out";
        var full = Path.Combine(root, repositoryPath);
        if (!File.Exists(full) && !Directory.Exists(full) && !File.Exists(full.TrimEnd('/')))
        {
            return "the repository has no such file";
        }
        return null;
    }

    /// <summary>Writes the context as a tar stream.</summary>
    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        // GNU format: a plain header per entry (long names and huge sizes have their own extensions), unlike PAX whose
        // leading extended-header entry makes BuildKit take the whole upload for a Dockerfile.
        await using var tar = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: true);
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await entry.WriteAsync(tar, cancellationToken).ConfigureAwait(false);
        }
    }

    // Sockets, pipes and devices are not content, and opening a pipe would block: .NET shows them as plain files.
    private static bool IsRegularFile(FileInfo file) => UnixFileType.IsRegularFile(file.FullName);

    private static IEnumerable<string> Parents(string path)
    {
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            yield return path[..slash];
        }
    }

    internal static bool PointsInside(string root, string linkDirectory, string target)
    {
        if (Path.IsPathRooted(target)) return false;
        var resolved = Path.GetFullPath(Path.Combine(linkDirectory, target));
        var rootWithSeparator = Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar;
        return resolved == Path.TrimEndingDirectorySeparator(root) || resolved.StartsWith(rootWithSeparator, StringComparison.Ordinal);
    }

    internal static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.0} KiB",
        _ => $"{bytes} bytes",
    };

    private sealed record Entry(string Path, TarEntryType Type, UnixFileMode Mode, DateTime Modified, string? Source, byte[]? Content, string? LinkTarget)
    {
        private const UnixFileMode Executable = (UnixFileMode)0b111_101_101;

        public static Entry Directory(string path, UnixFileMode mode, DateTime modified) => new(path, TarEntryType.Directory, mode, modified, null, null, null);
        public static Entry File(string path, string source, UnixFileMode mode, DateTime modified) => new(path, TarEntryType.RegularFile, mode, modified, source, null, null);
        public static Entry Link(string path, string target) => new(path, TarEntryType.SymbolicLink, (UnixFileMode)0b111_111_111, DateTime.UnixEpoch, null, null, target);

        // Generated files get a fixed time so that the same plan gives the same tar.
        public static Entry Generated(string path, byte[] content) => new(path, TarEntryType.RegularFile, Executable, DateTime.UnixEpoch, null, content, null);

        public async Task WriteAsync(TarWriter tar, CancellationToken cancellationToken)
        {
            var entry = new GnuTarEntry(Type, Type == TarEntryType.Directory ? Path + "/" : Path)
            {
                Mode = Mode,
                Uid = 0,
                Gid = 0,
                // BuildKit's cache keys hash content and mode, not times, so real times cost no cache hits.
                ModificationTime = new DateTimeOffset(Modified, TimeSpan.Zero),
            };
            if (LinkTarget is not null) entry.LinkName = LinkTarget;
            if (Source is not null)
            {
                await using var stream = new FileStream(Source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                entry.DataStream = stream;
                await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                return;
            }
            if (Content is not null) entry.DataStream = new MemoryStream(Content, writable: false);
            await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        }
    }
}
