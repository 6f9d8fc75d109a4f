using System.IO.Compression;
using System.Text;

namespace Binder.Hub.Tests.StandIns;

/// <summary>Builds zip archives in memory, including hostile ones (entries that climb out, links).</summary>
public static class ZipBuilder
{
    public static byte[] Build(params (string Name, string Content)[] entries)
    {
        using var memory = new MemoryStream();
        using (var archive = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                var entry = archive.CreateEntry(name);
                if (name.EndsWith('/')) continue;
                using var stream = entry.Open();
                stream.Write(Encoding.UTF8.GetBytes(content));
            }
        }
        return memory.ToArray();
    }

    /// <summary>An archive whose one entry is a symbolic link (unix mode 0120777) to <paramref name="target"/>.</summary>
    public static byte[] WithLink(string name, string target)
    {
        using var memory = new MemoryStream();
        using (var archive = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = archive.CreateEntry(name);
            entry.ExternalAttributes = unchecked((int)(0xA1FFu << 16));
            using var stream = entry.Open();
            stream.Write(Encoding.UTF8.GetBytes(target));
        }
        return memory.ToArray();
    }
}
