using Binder.Build.Context;
using System.IO.Compression;

namespace Binder.Build.Content.Records;

/// <summary>
/// Puts a record's files into the build directory the way repo2docker's content providers do (a record that is one
/// zip archive is unpacked, and an archive holding one top-level directory is lifted out of it), never writing
/// outside that directory whatever names the API or the archive carry.
/// </summary>
internal static class RecordFiles
{
    /// <summary>One file of a record: its relative name and where to download it.</summary>
    public sealed record Entry(string Name, Uri Url);

    /// <summary>Downloads <paramref name="files"/> into <paramref name="directory"/>, within the limits of <see cref="RecordOptions"/>.</summary>
    public static async Task DownloadAllAsync(
        RecordHttp http, IReadOnlyList<Entry> files, string directory, string service, Action<string> progress, CancellationToken cancellationToken)
    {
        var records = http.Records;
        var budget = new DownloadBudget(records.MaxDownloadBytes, records.MaxFiles);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(records.DownloadTimeout);
        try
        {
            foreach (var file in files)
            {
                if (file.Url.Scheme is not ("http" or "https"))
                {
                    throw new RecordContentException($"The record's file '{file.Name}' has a download URL that is not http(s); it cannot be fetched.");
                }
                var target = PathUnder(directory, file.Name);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await http.DownloadAsync(file.Url, target, budget, service, timeout.Token).ConfigureAwait(false);
                progress($"Fetched {Dois.Printable(file.Name)} ({BuildContext.Size(new FileInfo(target).Length)})");
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw RecordHttp.Unavailable(
                $"Downloading the record from {service} took longer than {records.DownloadTimeout.TotalMinutes:0} minutes (Providers:Records:DownloadTimeout).", e);
        }
        if (files.Count == 1)
        {
            var only = PathUnder(directory, files[0].Name);
            if (IsZip(only))
            {
                var unpacked = Path.Combine(directory, ".binder-unpack-" + Guid.NewGuid().ToString("N")[..8]);
                progress($"Unpacking {Dois.Printable(files[0].Name)}, the record's only file, as repo2docker does");
                ExtractZip(only, unpacked, budget);
                File.Delete(only);
                RemoveEmptyParents(Path.GetDirectoryName(only)!, directory);
                MoveContents(SingleDirectoryOrSelf(unpacked), directory);
                Directory.Delete(unpacked, recursive: true);
            }
        }
    }

    /// <summary>A file's download URL as the record API gave it; an answer that is no absolute URL is the API's fault.</summary>
    public static Uri DownloadUrl(string url, string name, string service) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? uri
            : throw RecordHttp.Unavailable(
                $"{service} gave '{Dois.Printable(name)}' a download URL that is not a URL. Try again later; if it persists, the API may have changed.");

    /// <summary>The full path of <paramref name="relativeName"/> under <paramref name="root"/>; refuses names that leave it.</summary>
    public static string PathUnder(string root, string relativeName)
    {
        var name = relativeName.Replace('\\', '/');
        var segments = name.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (name.Length == 0 || name.StartsWith('/') || segments.Length == 0
            || segments.Any(s => s is "." or ".." || s.Any(char.IsControl) || s.Contains('\0', StringComparison.Ordinal)))
        {
            throw new RecordContentException(
                $"The record contains a file named '{Dois.Printable(relativeName)}', which would be written outside the build directory; such records are refused.");
        }
        var fullRoot = Path.GetFullPath(root);
        var full = Path.GetFullPath(Path.Combine(fullRoot, Path.Combine(segments)));
        if (!full.StartsWith(fullRoot.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            throw new RecordContentException(
                $"The record contains a file named '{Dois.Printable(relativeName)}', which would be written outside the build directory; such records are refused.");
        }
        return full;
    }

    public static bool IsZip(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4
            && magic[0] == (byte)'P' && magic[1] == (byte)'K' && magic[2] is 3 or 5 && magic[3] is 4 or 6;
    }

    /// <summary>Unpacks a zip into <paramref name="directory"/>: no entry outside it, no links, within the budget.</summary>
    public static void ExtractZip(string zipPath, string directory, DownloadBudget budget)
    {
        Directory.CreateDirectory(directory);
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(zipPath);
        }
        catch (InvalidDataException e)
        {
            throw new RecordContentException($"The record's archive '{Path.GetFileName(zipPath)}' is not a readable zip file: {e.Message}");
        }
        using (archive)
        {
            // Check every name before writing anything, so that a refused archive leaves nothing behind.
            var targets = new List<(ZipArchiveEntry Entry, string Path)>();
            foreach (var entry in archive.Entries)
            {
                var target = PathUnder(directory, entry.FullName);
                var unixType = (entry.ExternalAttributes >> 16) & 0xF000;
                if (unixType == 0xA000)
                {
                    throw new RecordContentException($"The record's archive contains a symbolic link '{Dois.Printable(entry.FullName)}'; archives with links are refused.");
                }
                targets.Add((entry, target));
            }
            foreach (var (entry, target) in targets)
            {
                if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\'))
                {
                    Directory.CreateDirectory(target);
                    continue;
                }
                budget.CountFile(entry.FullName);
                budget.Charge(0, entry.Length, entry.FullName);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                using var source = entry.Open();
                using var output = new FileStream(target, FileMode.Create, FileAccess.Write);
                var buffer = new byte[81920];
                int read;
                // Count what is really inflated: the declared length of an entry can lie (a zip bomb).
                while ((read = source.Read(buffer)) > 0)
                {
                    budget.Charge(read, 0, entry.FullName);
                    output.Write(buffer, 0, read);
                }
            }
        }
    }

    /// <summary>The only subdirectory of <paramref name="directory"/> when it holds nothing else, else the directory.</summary>
    public static string SingleDirectoryOrSelf(string directory)
    {
        var entries = Directory.GetFileSystemEntries(directory);
        return entries.Length == 1 && Directory.Exists(entries[0]) && !new DirectoryInfo(entries[0]).Attributes.HasFlag(FileAttributes.ReparsePoint)
            ? entries[0]
            : directory;
    }

    /// <summary>Moves everything in <paramref name="source"/> into <paramref name="target"/> (same file system).</summary>
    public static void MoveContents(string source, string target)
    {
        foreach (var entry in Directory.GetFileSystemEntries(source))
        {
            var destination = Path.Combine(target, Path.GetFileName(entry));
            if (Directory.Exists(entry)) Directory.Move(entry, destination);
            else File.Move(entry, destination, overwrite: true);
        }
    }

    private static void RemoveEmptyParents(string directory, string root)
    {
        var full = Path.GetFullPath(directory);
        var fullRoot = Path.GetFullPath(root).TrimEnd('/');
        while (full.Length > fullRoot.Length && Directory.Exists(full) && Directory.GetFileSystemEntries(full).Length == 0)
        {
            Directory.Delete(full);
            full = Path.GetDirectoryName(full)!;
        }
    }
}
