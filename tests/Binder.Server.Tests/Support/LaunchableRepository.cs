namespace Binder.Server.Tests.Support;

/// <summary>
/// A git repository served by a real <c>git daemon</c> on loopback whose Binder build makes a Jupyter image (Debian's
/// notebook through <c>apt.txt</c>; BuildKit caches that layer across runs) and reports each build to a
/// <see cref="BuildCounter"/>. Its content is unique, so its first build is a real build.
/// </summary>
internal sealed class LaunchableRepository : IDisposable
{
    private readonly GitRepository _repository = new();
    private readonly GitDaemon _daemon;

    public LaunchableRepository(BuildCounter counter)
    {
        var marker = TestEnvironment.UniqueSuffix();
        _repository.Write("apt.txt", "procps\n")
            .Write("postBuild", counter.PostBuild(marker))
            .Write("README.md", $"A repository for the server tests ({marker}).\n")
            .Write("notebooks/hello.ipynb", "{\"cells\": [], \"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}\n");
        Commit = _repository.Commit("launchable");
        _daemon = new GitDaemon(Path.GetDirectoryName(_repository.Path)!);
        Url = _daemon.UrlOf(Path.GetFileName(_repository.Path));
    }

    public string Url { get; }

    public string Commit { get; }

    /// <summary><c>git/&lt;escaped url&gt;/main</c>, as a launch link writes it.</summary>
    public string Spec => "git/" + Uri.EscapeDataString(Url) + "/main";

    public void Dispose()
    {
        _daemon.Dispose();
        _repository.Dispose();
    }
}
