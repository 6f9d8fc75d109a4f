using System.IO.Compression;
using System.Text;

namespace Binder.Build.Tests.Support;

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

    /// <summary>
    /// A zip bomb that lies: one entry of <paramref name="realBytes"/> zeros whose local header and central directory
    /// both declare <paramref name="declaredBytes"/>, so a check of declared sizes lets it through.
    /// </summary>
    public static byte[] Lying(string name, int realBytes, uint declaredBytes)
    {
        var zip = Build((name, new string('0', realBytes)));
        var patched = 0;
        for (var i = 0; i + 30 <= zip.Length; i++)
        {
            var signature = BitConverter.ToUInt32(zip, i);
            // Local file header: uncompressed size at +22; central directory header: at +24.
            var at = signature switch { 0x04034b50u => i + 22, 0x02014b50u => i + 24, _ => -1 };
            if (at < 0 || BitConverter.ToUInt32(zip, at) != (uint)realBytes) continue;
            BitConverter.GetBytes(declaredBytes).CopyTo(zip, at);
            patched++;
        }
        if (patched != 2) throw new InvalidOperationException($"Expected to patch 2 size fields, patched {patched}.");
        return zip;
    }
}
