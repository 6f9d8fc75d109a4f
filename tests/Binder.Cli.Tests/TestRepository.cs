using System.Diagnostics;

namespace Binder.Cli.Tests;

/// <summary>A git repository in a temporary directory.</summary>
internal sealed class TestRepository : IDisposable
{
    public TestRepository()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "binder-cli-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
        Git("init", "--quiet", "--initial-branch", "main");
    }

    public string Path { get; }

    public string Url => "file://" + Path;

    public TestRepository Write(string relative, string content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return this;
    }

    public string Commit()
    {
        Git("add", "--all");
        Git("commit", "--quiet", "--allow-empty", "-m", "commit");
        return Git("rev-parse", "HEAD").Trim();
    }

    private string Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["GIT_AUTHOR_NAME"] = start.Environment["GIT_COMMITTER_NAME"] = "Binder Tests";
        start.Environment["GIT_AUTHOR_EMAIL"] = start.Environment["GIT_COMMITTER_EMAIL"] = "tests@binder.invalid";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', arguments)}: {error}");
        return output;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
