using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Binder.Build.Content;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>
/// LibGit2Sharp against the git program on the same work: clones of a generated medium repository served by
/// <c>git daemon</c> on loopback, and ref resolutions (listing the remote's refs) per second. JSON lines.
/// Usage: <c>dotnet run -c Release --project benchmarks/Binder.Build.Benchmarks -- git [--files N] [--commits N] [--clones N] [--resolutions N]</c>.
/// </summary>
internal static class GitBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var files = Option(args, "--files", 3000);
        var commits = Option(args, "--commits", 3000);
        var clones = Option(args, "--clones", 5);
        var resolutions = Option(args, "--resolutions", 200);
        var root = Directory.CreateTempSubdirectory("binder-git-bench-").FullName;
        try
        {
            var served = Path.Combine(root, "served");
            var repository = Path.Combine(served, "medium.git");
            var made = Stopwatch.StartNew();
            Generate(repository, files, commits);
            Print(new() { ["benchmark"] = "git.repository", ["files"] = files, ["commits"] = commits, ["pack_mb"] = Math.Round(SizeOf(repository) / 1e6, 1), ["generate_s"] = Math.Round(made.Elapsed.TotalSeconds, 1) });

            var port = FreePort();
            using var daemon = StartDaemon(served, port);
            try
            {
            var url = $"git://127.0.0.1:{port}/medium.git";
            var work = Path.Combine(root, "work");
            var options = new ContentOptions { WorkDirectory = work };
            var remote = new GitRemote(options);
            var fetcher = new ContentFetcher(options, remote, NullLogger<ContentFetcher>.Instance);

            var library = new List<double>();
            var program = new List<double>();
            for (var run = 0; run < clones; run++)
            {
                // Alternated, so both see the same state of the page cache and the machine's load.
                var clock = Stopwatch.StartNew();
                await using (await fetcher.FetchAsync(url, "main", null, _ => { }, CancellationToken.None))
                {
                    library.Add(clock.Elapsed.TotalSeconds);
                }
                var target = Path.Combine(work, "cli-" + run);
                clock.Restart();
                await remote.Cli.RunAsync(null, ["clone", "--quiet", "--", url, target], CancellationToken.None);
                program.Add(clock.Elapsed.TotalSeconds);
                Directory.Delete(target, recursive: true);
                Print(new() { ["benchmark"] = "git.clone", ["run"] = run, ["libgit2_s"] = Math.Round(library[^1], 3), ["git_cli_s"] = Math.Round(program[^1], 3) });
            }
            Print(new() { ["benchmark"] = "git.clone.summary", ["transport"] = "git:// (full clone and checkout: git daemon refuses libgit2's shallow request)", ["libgit2_median_s"] = Median(library), ["git_cli_median_s"] = Median(program) });

            // Ref resolution as the git provider does it: list the remote's refs.
            var clock2 = Stopwatch.StartNew();
            for (var i = 0; i < resolutions; i++) await remote.ListReferencesAsync(url, CancellationToken.None);
            var libraryRate = resolutions / clock2.Elapsed.TotalSeconds;
            clock2.Restart();
            for (var i = 0; i < resolutions; i++) await remote.Cli.RunAsync(null, ["ls-remote", "--", url, "main", "main^{}"], CancellationToken.None);
            var programRate = resolutions / clock2.Elapsed.TotalSeconds;
            Print(new() { ["benchmark"] = "git.resolve", ["resolutions"] = resolutions, ["concurrency"] = 1, ["libgit2_per_s"] = Math.Round(libraryRate, 1), ["git_cli_per_s"] = Math.Round(programRate, 1) });

            foreach (var concurrency in new[] { 8 })
            {
                var perWorker = resolutions / concurrency;
                clock2.Restart();
                await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ => { for (var i = 0; i < perWorker; i++) await remote.ListReferencesAsync(url, CancellationToken.None); }));
                libraryRate = perWorker * concurrency / clock2.Elapsed.TotalSeconds;
                clock2.Restart();
                await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ => { for (var i = 0; i < perWorker; i++) await remote.Cli.RunAsync(null, ["ls-remote", "--", url, "main", "main^{}"], CancellationToken.None); }));
                programRate = perWorker * concurrency / clock2.Elapsed.TotalSeconds;
                Print(new() { ["benchmark"] = "git.resolve", ["resolutions"] = perWorker * concurrency, ["concurrency"] = concurrency, ["libgit2_per_s"] = Math.Round(libraryRate, 1), ["git_cli_per_s"] = Math.Round(programRate, 1) });
            }
            Print(new() { ["benchmark"] = "git.load", ["loadavg"] = File.ReadAllText("/proc/loadavg").Trim() });
            }
            finally
            {
                daemon.Kill(entireProcessTree: true);
                daemon.WaitForExit();
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A bare repository of <paramref name="files"/> files (about 2 KB each) and <paramref name="commits"/> commits, each changing a few files, made by <c>git fast-import</c>.</summary>
    private static void Generate(string repository, int files, int commits)
    {
        Git(null, null, "init", "--quiet", "--bare", "--initial-branch", "main", repository);
        var stream = new StringBuilder();
        var random = new Random(42);
        string Blob(int file, int version) => $"# file {file} version {version}\n" + string.Join('\n', Enumerable.Range(0, 40).Select(line => $"value_{line} = {random.Next()}")) + "\n";
        for (var commit = 0; commit < commits; commit++)
        {
            stream.Append("commit refs/heads/main\n");
            stream.Append($"committer Bench <bench@binder.invalid> {1_700_000_000 + commit} +0000\n");
            var message = $"commit {commit}";
            stream.Append($"data {Encoding.UTF8.GetByteCount(message)}\n{message}\n");
            var changed = commit == 0 ? Enumerable.Range(0, files) : Enumerable.Range(0, 3).Select(_ => random.Next(files));
            foreach (var file in changed)
            {
                var content = Blob(file, commit);
                stream.Append($"M 644 inline src/dir{file % 50}/file{file}.py\ndata {Encoding.UTF8.GetByteCount(content)}\n{content}\n");
            }
        }
        Git(repository, stream.ToString(), "fast-import", "--quiet");
        Git(repository, null, "gc", "--quiet");
    }

    private static void Git(string? directory, string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardInput = true, RedirectStandardError = true, WorkingDirectory = directory ?? Environment.CurrentDirectory };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        if (input is not null) process.StandardInput.Write(input);
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"git {arguments[0]} failed: {error}");
    }

    private static Process StartDaemon(string basePath, int port)
    {
        var start = new ProcessStartInfo("git");
        foreach (var argument in new[] { "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", $"--port={port}", $"--base-path={basePath}", basePath }) start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", port);
                return process;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        process.Kill();
        throw new InvalidOperationException("git daemon did not listen");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static long SizeOf(string directory) => new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return Math.Round(sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2, 3);
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
    }

    private static void Print(Dictionary<string, object> line) => Console.WriteLine(JsonSerializer.Serialize(line));
}
