using System.Diagnostics;

namespace Binder.Build.Tests.Support;

/// <summary>A real git repository on disk, made with the git command line, for tests that need a remote.</summary>
public sealed class GitRepository : IDisposable
{
    private readonly TempDirectory directory;

    /// <param name="initialBranch">The default branch.</param>
    /// <param name="parent">Where to make it (with <paramref name="name"/>), so a test server can export it by name; a new directory under /tmp when null.</param>
    /// <param name="name">Its directory's name inside <paramref name="parent"/>.</param>
    public GitRepository(string initialBranch = "main", string? parent = null, string name = "repository")
    {
        directory = parent is null ? new TempDirectory("binder-git") : new TempDirectory(parent, name);
        Git("init", "--quiet", "--initial-branch", initialBranch);
    }

    public string Path => directory.Path;

    /// <summary>A file:// URL, which git treats like any remote (clone over its own transport).</summary>
    public string Url => "file://" + Path;

    public GitRepository Write(string relativePath, string content = "")
    {
        directory.Write(relativePath, content);
        return this;
    }

    /// <summary>Stages everything and commits; returns the new commit's sha.</summary>
    public string Commit(string message = "commit")
    {
        Git("add", "--all");
        Git("commit", "--quiet", "--allow-empty", "-m", message);
        return Git("rev-parse", "HEAD").Trim();
    }

    public void Tag(string name, bool annotated = false)
    {
        if (annotated) Git("tag", "-a", name, "-m", name);
        else Git("tag", name);
    }

    public string Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["GIT_AUTHOR_NAME"] = start.Environment["GIT_COMMITTER_NAME"] = "Binder Tests";
        start.Environment["GIT_AUTHOR_EMAIL"] = start.Environment["GIT_COMMITTER_EMAIL"] = "tests@binder.invalid";
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        // Tests add submodules from local repositories on purpose (the fetcher decides what it accepts).
        start.Environment["GIT_CONFIG_COUNT"] = "1";
        start.Environment["GIT_CONFIG_KEY_0"] = "protocol.file.allow";
        start.Environment["GIT_CONFIG_VALUE_0"] = "always";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {error}");
        return output;
    }

    public void Dispose() => directory.Dispose();
}
