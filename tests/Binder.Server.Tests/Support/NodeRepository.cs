using Binder.Hub.Grains;

namespace Binder.Server.Tests.Support;

/// <summary>
/// The fastest buildable launchable repository: a <c>Dockerfile</c> of one step on top of a Jupyter image, whose step
/// reports to a <see cref="BuildCounter"/> (which may hold it). Its URL is chosen so that the cluster's node picker
/// sends its build to the node asked for, so a test knows which daemon must get the image.
/// </summary>
internal sealed class NodeRepository : IDisposable
{
    private readonly GitRepository _repository;

    private NodeRepository(GitRepository repository, string url, string commit, BuildCounter counter)
    {
        _repository = repository;
        Url = url;
        Commit = commit;
        Counter = counter;
    }

    public string Url { get; }

    public string Commit { get; }

    /// <summary>Counts (and may hold) this repository's builds.</summary>
    public BuildCounter Counter { get; }

    /// <summary><c>git/&lt;escaped url&gt;</c>: what the node picker hashes and the repository's quota grain is named.</summary>
    public string Key => "git/" + Uri.EscapeDataString(Url);

    /// <summary><c>git/&lt;escaped url&gt;/main</c>, as a launch link writes it.</summary>
    public string Spec => "git/" + Uri.EscapeDataString(Url) + "/main";

    /// <summary>
    /// A repository under <paramref name="daemon"/>'s base path (<c>/tmp</c>) that hashes to <paramref name="node"/> among
    /// <paramref name="nodes"/> (the repo grain picks by rendezvous hashing of <c>git/&lt;escaped url&gt;</c> while every
    /// node has a free build slot).
    /// </summary>
    public static NodeRepository PinnedTo(string node, IReadOnlyList<string> nodes, GitDaemon daemon, string fromImage, BuildCounter counter)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var repository = new GitRepository();
            var url = daemon.UrlOf(Path.GetFileName(repository.Path));
            var key = "git/" + Uri.EscapeDataString(url);
            if (nodes.MaxBy(n => NodePicker.Score(key, n)) != node)
            {
                repository.Dispose();
                continue;
            }
            var marker = TestEnvironment.UniqueSuffix();
            repository.Write("Dockerfile", $"FROM {fromImage}\nCOPY build-step /tmp/build-step\nRUN bash /tmp/build-step\n")
                .Write("build-step", counter.PostBuild(marker))
                .Write("README.md", $"A repository pinned to {node} for the cluster tests ({marker}).\n");
            return new NodeRepository(repository, url, repository.Commit("pinned"), counter);
        }
        throw new InvalidOperationException($"No repository name out of 200 hashes to node {node}.");
    }

    public void Dispose() => _repository.Dispose();
}
