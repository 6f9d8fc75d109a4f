using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Binder.Build.Tests.Support;

/// <summary>
/// A PyPI-compatible "simple" index (PEP 503) on loopback, serving pure-Python wheels that the test makes itself.
/// It stands in for pypi.org, which these machines cannot reach; pip inside a build (host network) installs from it.
/// </summary>
public sealed class PythonPackageIndex : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly Dictionary<string, (string FileName, byte[] Bytes)> wheels = new(StringComparer.Ordinal);
    private readonly Task serving;
    private int requests;

    public PythonPackageIndex()
    {
        Port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

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

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            Interlocked.Increment(ref requests);
            try
            {
                Answer(context);
            }
            catch (HttpListenerException)
            {
                // The client went away; nothing to answer.
            }
        }
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
        response.Close();

        byte[] Html(string links)
        {
            response.ContentType = "text/html";
            return Encoding.UTF8.GetBytes($"<!DOCTYPE html><html><body>\n{links}</body></html>\n");
        }
    }

    private static string Normalize(string name) => string.Join('-', name.ToLowerInvariant().Split(['-', '_', '.'], StringSplitOptions.RemoveEmptyEntries));

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        listener.Close();
        await serving.ConfigureAwait(false);
    }
}
