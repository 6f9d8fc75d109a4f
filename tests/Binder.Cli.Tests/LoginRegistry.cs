using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Binder.Cli.Tests;

/// <summary>
/// A real Docker Distribution registry (Debian's <c>docker-registry</c>) of the test's own on a free loopback port,
/// with htpasswd authentication: anonymous requests get 401, the one user it knows gets in. Disposing stops it and
/// deletes its storage.
/// </summary>
internal sealed class LoginRegistry : IAsyncDisposable
{
    private readonly Process process;
    private readonly TempDirectory directory;

    private LoginRegistry(TempDirectory directory, Process process, string address, string password)
    {
        this.directory = directory;
        this.process = process;
        Address = address;
        Password = password;
    }

    public string Address { get; }

    public const string Username = "binder-ci";

    public string Password { get; }

    public static async Task<LoginRegistry> StartAsync(CancellationToken cancellationToken)
    {
        var directory = new TempDirectory("binder-login-registry");
        var port = FreePort();
        var address = $"127.0.0.1:{port}";
        var start = new ProcessStartInfo("docker-registry") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(Path.Combine(directory.Path, "config.yml"));
        Process? process = null;
        try
        {
            var password = Convert.ToHexString(Guid.NewGuid().ToByteArray());
            directory.Write("htpasswd", $"{Username}:{BCrypt.Net.BCrypt.HashPassword(password, 4)}\n");
            directory.Write("config.yml", $"""
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: {Path.Combine(directory.Path, "data")}
                  delete:
                    enabled: true
                http:
                  addr: {address}
                auth:
                  htpasswd:
                    realm: binder-tests
                    path: {Path.Combine(directory.Path, "htpasswd")}
                """);
            process = Process.Start(start) ?? throw new InvalidOperationException("docker-registry did not start");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var started = new LoginRegistry(directory, process, address, password);
            await started.WaitUntilChallengingAsync(cancellationToken);
            return started;
        }
        catch
        {
            if (process is not null && !process.HasExited) process.Kill();
            process?.Dispose();
            directory.Dispose();
            throw;
        }
    }

    private async Task WaitUntilChallengingAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 150; attempt++)
        {
            try
            {
                using var response = await http.GetAsync($"http://{Address}/v2/", cancellationToken);
                if (response.StatusCode == HttpStatusCode.Unauthorized) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200, cancellationToken);
        }
        throw new InvalidOperationException($"docker-registry at {Address} did not answer /v2/ with 401 within 30 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
        directory.Dispose();
    }
}
