using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Binder.Build.Tests.Support;

/// <summary>
/// A PyPI-compatible "simple" index (PEP 503) on loopback, serving pure-Python wheels that the test makes itself.
/// It stands in for pypi.org, which these machines cannot reach; pip inside a build (host network) installs from it.
/// </summary>
public sealed class PythonPackageIndex : IAsyncDisposable
{
    private readonly Dictionary<string, (string FileName, byte[] Bytes)> wheels = new(StringComparer.Ordinal);
    private readonly LoopbackHttpServer server;
    private int requests;

    public PythonPackageIndex()
    {
        server = new LoopbackHttpServer(context =>
        {
            Interlocked.Increment(ref requests);
            Answer(context);
            return Task.CompletedTask;
        });
    }

    public int Port => server.Port;

    /// <summary>The index URL to give pip (<c>--index-url</c>).</summary>
    public string Url => $"http://127.0.0.1:{Port}/simple/";

    /// <summary>How many requests the index has answered: proof that pip really came here.</summary>
    public int Requests => Volatile.Read(ref requests);

    /// <summary>Adds a wheel for <paramref name="name"/> whose module <c>name</c> defines <c>VALUE = value</c>.</summary>
    public PythonPackageIndex AddPackage(string name, string version, string value)
    {
        var module = name.Replace('-', '_');
        var distInfo = $"{module}-{version}.dist-info";
        var files = new List<(string Path, byte[] Content)>
        {
            ($"{module}/__init__.py", Encoding.UTF8.GetBytes($"VALUE = {value!}\n")),
            ($"{distInfo}/METADATA", Encoding.UTF8.GetBytes($"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")),
            ($"{distInfo}/WHEEL", Encoding.UTF8.GetBytes("Wheel-Version: 1.0\nGenerator: binder-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n")),
        };
        var record = new StringBuilder();
        foreach (var (path, content) in files)
        {
            var hash = Convert.ToBase64String(SHA256.HashData(content)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            record.Append($"{path},sha256={hash},{content.Length}\n");
        }
        record.Append($"{distInfo}/RECORD,,\n");
        files.Add(($"{distInfo}/RECORD", Encoding.UTF8.GetBytes(record.ToString())));

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                using var entry = zip.CreateEntry(path).Open();
                entry.Write(content);
            }
        }
        lock (wheels)
        {
            wheels[Normalize(name)] = ($"{module}-{version}-py3-none-any.whl", buffer.ToArray());
        }
        return this;
    }

    private void Answer(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        var response = context.Response;
        byte[] body;
        lock (wheels)
        {
            if (path == "/simple/")
            {
                body = Html(string.Concat(wheels.Keys.Select(n => $"<a href=\"/simple/{n}/\">{n}</a>\n")));
            }
            else if (path.StartsWith("/simple/", StringComparison.Ordinal) && wheels.TryGetValue(Normalize(path["/simple/".Length..].Trim('/')), out var wheel))
            {
                var hash = Convert.ToHexStringLower(SHA256.HashData(wheel.Bytes));
                body = Html($"<a href=\"/packages/{wheel.FileName}#sha256={hash}\">{wheel.FileName}</a>\n");
            }
            else if (path.StartsWith("/packages/", StringComparison.Ordinal) && wheels.Values.FirstOrDefault(w => "/packages/" + w.FileName == path) is { FileName: not null } file)
            {
                response.ContentType = "application/octet-stream";
                body = file.Bytes;
            }
            else
            {
                response.StatusCode = 404;
                body = Encoding.UTF8.GetBytes("not found");
            }
        }
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);

        byte[] Html(string links)
        {
            response.ContentType = "text/html";
            return Encoding.UTF8.GetBytes($"<!DOCTYPE html><html><body>\n{links}</body></html>\n");
        }
    }

    private static string Normalize(string name) => string.Join('-', name.ToLowerInvariant().Split(['-', '_', '.'], StringSplitOptions.RemoveEmptyEntries));

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
