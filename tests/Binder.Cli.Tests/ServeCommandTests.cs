using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Binder.Cli.Tests;

/// <summary><c>binder serve</c> as a real process: serves, puts its own proxy in front, stops cleanly on SIGTERM.</summary>
public sealed class ServeCommandTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Serve_refuses_an_invalid_setting_with_a_sentence_and_exit_code_2()
    {
        using var data = new Binder.Build.Tests.Support.TempDirectory("binder-serve-cli");
        var (exit, _, stderr) = await CliRun.InProcessAsync("serve", "--urls", "http://127.0.0.1:1",
            "--Server:KeepaliveInterval=-00:00:01", $"--Server:DataDirectory={data.Path}", $"--Server:OperatorUrls=http://localhost:{FreePort()}");
        Assert.Equal(2, exit);
        Assert.Contains("Server:KeepaliveInterval", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_refuses_an_invalid_silo_port_with_a_sentence_and_exit_code_2()
    {
        using var data = new Binder.Build.Tests.Support.TempDirectory("binder-serve-cli");
        var (exit, _, stderr) = await CliRun.InProcessAsync("serve", "--urls", "http://127.0.0.1:1",
            "--Silo:Port=70000", $"--Server:DataDirectory={data.Path}", $"--Server:OperatorUrls=http://localhost:{FreePort()}");
        Assert.Equal(2, exit);
        Assert.Contains("Silo:Port is 70000", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Silo:Backend=Mongo", "Silo:Backend 'Mongo' is not a backend")]
    [InlineData("--Silo:Backend=Redis", "Silo:Backend is Redis, but Silo:Redis:ConnectionString is not set")]
    [InlineData("--Silo:Backend=AzureStorage", "Silo:Backend is AzureStorage, but Silo:AzureStorage:ConnectionString is not set")]
    public async Task Serve_refuses_an_unknown_backend_or_one_without_its_connection_string_with_exit_code_2_naming_the_key(string setting, string expected)
    {
        using var data = new Binder.Build.Tests.Support.TempDirectory("binder-serve-cli");
        var (exit, _, stderr) = await CliRun.InProcessAsync("serve", "--urls", "http://127.0.0.1:1", setting, $"--Server:DataDirectory={data.Path}");
        Assert.Equal(2, exit);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Redis", "unreachable", "Could not reach Redis at 127.0.0.1:")]
    [InlineData("Redis", "wrong password", "Silo:Redis:ConnectionString")]
    [InlineData("AzureStorage", "unreachable", "Could not reach Azure Storage's table service at http://127.0.0.1:")]
    [InlineData("AzureStorage", "wrong key", "refused the credentials in Silo:AzureStorage:ConnectionString")]
    public async Task Serve_on_a_backend_it_cannot_use_exits_2_within_seconds_naming_the_key_and_never_the_secret(string backend, string what, string expected)
    {
        using var data = new Binder.Build.Tests.Support.TempDirectory("binder-serve-cli");
        const string secret = "Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXktYXQtYWxsLTAxMjM0NTY3ODk=";
        var closed = FreePort();
        var connection = (backend, what) switch
        {
            ("Redis", "unreachable") => $"127.0.0.1:{closed},password={secret}",
            ("Redis", _) => TestEnvironment.Require("BINDER_TEST_REDIS").Split(",password=")[0] + $",password={secret}",
            ("AzureStorage", "unreachable") => $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={secret};BlobEndpoint=http://127.0.0.1:{closed}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{closed}/devstoreaccount1;",
            _ => System.Text.RegularExpressions.Regex.Replace(TestEnvironment.Require("BINDER_TEST_AZURITE"), "AccountKey=[^;]*", $"AccountKey={secret}"),
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // A hang guard, not a speed assertion: the check has Silo:BackendCheckTimeout (10 s) and no retries.
        var (exit, stdout, stderr) = await CliRun.InProcessAsync("serve", "--urls", $"http://127.0.0.1:{FreePort()}",
            $"--Proxy:Command={TestEnvironment.Require("BINDER_TEST_PROXY_COMMAND")}", $"--Proxy:PublicBind=127.0.0.1:{FreePort()}", "--Proxy:ApiBind=127.0.0.1:0",
            $"--Silo:Backend={backend}", $"--Silo:{backend}:ConnectionString={connection}", $"--Server:DataDirectory={data.Path}")
            .WaitAsync(TimeSpan.FromMinutes(1), Token);
        TestContext.Current.SendDiagnosticMessage($"{backend} {what}: exit {exit} after {clock.Elapsed.TotalSeconds:F1} s");

        Assert.Equal(2, exit);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Contains($"Silo:{backend}:ConnectionString", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Binder is serving", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_without_a_reachable_Docker_daemon_says_so_in_one_sentence_and_stops_its_proxy()
    {
        using var data = new Binder.Build.Tests.Support.TempDirectory("binder-serve-cli");
        var proxyPort = FreePort();
        var (exit, _, stderr) = await CliRun.InProcessAsync("serve", "--urls", $"http://127.0.0.1:{FreePort()}",
            $"--Proxy:Command={TestEnvironment.Require("BINDER_TEST_PROXY_COMMAND")}", $"--Proxy:PublicBind=127.0.0.1:{proxyPort}", "--Proxy:ApiBind=127.0.0.1:0",
            $"--Binder:Docker:Host=unix://{data.Path}/no-docker.sock", $"--Server:DataDirectory={data.Path}", $"--Server:OperatorUrls=http://localhost:{FreePort()}");
        Assert.NotEqual(0, exit);
        Assert.Contains("Docker daemon", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.False(Listening(proxyPort), "the proxy the service started still listens after the failed start");
    }

    [Fact]
    public async Task Serve_with_its_proxy_port_held_by_another_program_says_so_in_a_sentence_not_EADDRINUSE()
    {
        using var data = new Binder.Build.Tests.Support.TempDirectory("binder-serve-cli");
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var proxyPort = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exit, _, stderr) = await CliRun.InProcessAsync("serve", "--urls", $"http://127.0.0.1:{FreePort()}",
            $"--Proxy:Command={TestEnvironment.Require("BINDER_TEST_PROXY_COMMAND")}", $"--Proxy:PublicBind=127.0.0.1:{proxyPort}", "--Proxy:ApiBind=127.0.0.1:0",
            $"--Binder:Docker:Host={TestEnvironment.DockerHost}", $"--Server:DataDirectory={data.Path}", $"--Server:OperatorUrls=http://localhost:{FreePort()}");

        Assert.NotEqual(0, exit);
        Assert.Contains($"port {proxyPort} on 127.0.0.1 (Proxy:PublicBind) is already in use by another program", stderr, StringComparison.Ordinal);
        Assert.Contains("Stop that program, or set Proxy:PublicBind to a free port", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("EADDRINUSE", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_runs_the_service_behind_its_own_proxy_and_stops_it_on_SIGTERM()
    {
        using var data = new Binder.Build.Tests.Support.TempDirectory("binder-serve-cli");
        var port = FreePort();
        var proxyPort = FreePort();
        var operatorPort = FreePort();
        var instance = $"cli-serve-{TestEnvironment.UniqueSuffix()}";
        using var process = CliRun.Start("serve", "--urls", $"http://127.0.0.1:{port}",
            $"--Proxy:Command={TestEnvironment.Require("BINDER_TEST_PROXY_COMMAND")}",
            $"--Proxy:PublicBind=127.0.0.1:{proxyPort}", "--Proxy:ApiBind=127.0.0.1:0",
            $"--Binder:Docker:Host={TestEnvironment.DockerHost}", $"--Server:DataDirectory={data.Path}", $"--Server:OperatorUrls=http://localhost:{operatorPort}",
            $"--Launch:Docker:InstanceName={instance}");
        var stderr = process.StandardError.ReadToEndAsync(Token);
        try
        {
            var banner = await ReadUntilAsync(process.StandardOutput, "Binder is serving at");
            Assert.Contains($"http://127.0.0.1:{proxyPort}/", banner, StringComparison.Ordinal);
            using var http = new HttpClient();
            using var versions = await http.GetAsync($"http://127.0.0.1:{port}/versions", Token);
            Assert.Equal(HttpStatusCode.OK, versions.StatusCode);
            // The proxy the service started sends what no session matches to the front end: the home page.
            var home = await http.GetStringAsync($"http://127.0.0.1:{proxyPort}/", Token);
            Assert.Contains("id=\"launch-form\"", home, StringComparison.Ordinal);
            // The operator listener runs beside it; without an operator token it is closed and says how to open it.
            Assert.Contains($"operator pages at http://localhost:{operatorPort}/operator", banner, StringComparison.Ordinal);
            using var closed = await http.GetAsync($"http://localhost:{operatorPort}/operator", Token);
            Assert.Equal(HttpStatusCode.Forbidden, closed.StatusCode);
            Assert.Contains("Server:OperatorToken", await closed.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync(Token);
            var rest = await process.StandardOutput.ReadToEndAsync(Token);
            await process.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromMinutes(2), Token);
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}; stderr: {await stderr}");
            Assert.Contains("Binder stopped.", rest, StringComparison.Ordinal);
            Assert.False(Listening(proxyPort), "the proxy the service started still listens after the service stopped");
            Assert.False(Listening(port), "the front end still listens");
            Assert.False(Listening(operatorPort), "the operator listener still listens");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            // The service made its session network at start and never removes it.
            using var docker = new Binder.Build.Docker.DockerClient(new Binder.Build.Docker.DockerOptions { Host = TestEnvironment.DockerHost },
                Microsoft.Extensions.Logging.Abstractions.NullLogger<Binder.Build.Docker.DockerClient>.Instance);
            await docker.RemoveNetworkAsync($"{instance}-sessions", CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_second_serve_on_the_same_data_directory_exits_2_naming_the_first_and_leaves_its_proxy_and_socket_alone()
    {
        using var data = new Binder.Build.Tests.Support.TempDirectory("binder-serve-cli");
        var port = FreePort();
        var proxyPort = FreePort();
        var instance = $"cli-serve-{TestEnvironment.UniqueSuffix()}";
        string[] arguments =
        [
            "serve", "--urls", $"http://127.0.0.1:{port}",
            $"--Proxy:Command={TestEnvironment.Require("BINDER_TEST_PROXY_COMMAND")}", $"--Proxy:PublicBind=127.0.0.1:{proxyPort}", "--Proxy:ApiBind=127.0.0.1:0",
            $"--Binder:Docker:Host={TestEnvironment.DockerHost}", $"--Server:DataDirectory={data.Path}", $"--Server:OperatorUrls=http://localhost:{FreePort()}",
            $"--Launch:Docker:InstanceName={instance}",
        ];
        using var first = CliRun.Start(arguments);
        var firstErrors = first.StandardError.ReadToEndAsync(Token);
        try
        {
            await ReadUntilAsync(first.StandardOutput, "Binder is serving at");
            var firstOutput = first.StandardOutput.ReadToEndAsync(Token);
            var proxyPid = ProxyPid(data.Path);

            // The same command again, as an operator who forgot the first one would type it.
            using var second = CliRun.Start(arguments);
            var secondOutput = second.StandardOutput.ReadToEndAsync(Token);
            var secondErrors = second.StandardError.ReadToEndAsync(Token);
            await second.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromMinutes(2), Token);

            Assert.Equal(2, second.ExitCode);
            Assert.Contains($"Another binder serve (pid {first.Id}) uses data directory {data.Path}; stop it or set Server:DataDirectory", await secondErrors, StringComparison.Ordinal);
            Assert.DoesNotContain("Binder is serving at", await secondOutput, StringComparison.Ordinal);
            // The first one's proxy and socket are untouched: it still serves its pages through its proxy.
            Assert.False(first.HasExited, "the first service stopped when the second was refused");
            Assert.Equal(proxyPid, ProxyPid(data.Path));
            using var http = new HttpClient();
            Assert.Contains("id=\"launch-form\"", await http.GetStringAsync($"http://127.0.0.1:{proxyPort}/", Token), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}/versions", Token)).StatusCode);

            using (var kill = Process.Start("kill", ["-TERM", first.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync(Token);
            await first.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromMinutes(2), Token);
            Assert.True(first.ExitCode == 0, $"exit code {first.ExitCode}; stderr: {await firstErrors}");
            Assert.Contains("Binder stopped.", await firstOutput, StringComparison.Ordinal);
        }
        finally
        {
            if (!first.HasExited) first.Kill(entireProcessTree: true);
            // The first service made its session network at start and never removes it.
            using var docker = new Binder.Build.Docker.DockerClient(new Binder.Build.Docker.DockerOptions { Host = TestEnvironment.DockerHost },
                Microsoft.Extensions.Logging.Abstractions.NullLogger<Binder.Build.Docker.DockerClient>.Instance);
            await docker.RemoveNetworkAsync($"{instance}-sessions", CancellationToken.None);
        }
    }

    private static int ProxyPid(string data) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(data, "proxy.json"))).RootElement.GetProperty("Pid").GetInt32();

    private static async Task<string> ReadUntilAsync(StreamReader reader, string text)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var seen = new System.Text.StringBuilder();
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            seen.AppendLine(line);
            if (line.Contains(text, StringComparison.Ordinal)) return line;
        }
        throw new InvalidOperationException($"binder serve ended before printing '{text}'; it printed:\n{seen}");
    }

    private static int FreePort() => Binder.Build.Run.FreePorts.On(IPAddress.Loopback);

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
