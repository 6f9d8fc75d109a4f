using System.Diagnostics;
using System.Text.Json;

namespace Binder.Server.Tests.JupyterHub;

/// <summary>
/// What <c>binder_spawner.build_path</c> asks Binder to build for what a user types into the hub's spawn form, run in
/// the Python JupyterHub runs on.
/// </summary>
public sealed class BinderSpawnerSpecTests
{
    [Fact]
    public async Task Repository_urls_specs_and_short_names_become_the_binder_spec_a_user_means()
    {
        var cases = new (string Repository, string Ref, string Expected)[]
        {
            ("gh/org/repo/main", "", "gh/org/repo/main"),
            ("git/git%3A%2F%2Fhost%2Frepo/v2", "ignored", "git/git%3A%2F%2Fhost%2Frepo/v2"),
            ("https://github.com/org/repo", "", "gh/org/repo/HEAD"),
            ("https://github.com/org/repo.git/", "v1.0", "gh/org/repo/v1.0"),
            ("https://gitlab.com/group/sub/project", "main", "gl/group%2Fsub%2Fproject/main"),
            ("git://127.0.0.1:9418/good", "main", "git/git%3A%2F%2F127.0.0.1%3A9418%2Fgood/main"),
            ("https://codeberg.org/org/repo.git", "feature/x", "git/https%3A%2F%2Fcodeberg.org%2Forg%2Frepo.git/feature%2Fx"),
            ("  org/repo  ", "", "gh/org/repo/HEAD"),
            ("not a repository", "", "error: 'not a repository' is neither a repository URL nor a Binder spec"),
            ("", "", "error: Give a repository to build"),
            ("https://github.com/org", "", "error: https://github.com/org names no repository"),
            // A '?' or '#' would end the URL's path and drop build_only=true: Binder would launch a session too.
            ("gh/org/repo/main#", "", "error: 'gh/org/repo/main#' has a '?', '#', '.' or '..' part"),
            ("gh/org/repo/main?build_only=false&x=", "", "error: 'gh/org/repo/main?build_only=false&x=' has a '?', '#', '.' or '..' part"),
            ("gh/org/../../operator", "", "error: 'gh/org/../../operator' has a '?', '#', '.' or '..' part"),
            ("gh/org/repo/a b", "", "gh/org/repo/a%20b"),
        };
        var script = """
            import json, sys
            import binder_spawner
            for repository, ref in json.load(sys.stdin):
                try:
                    print(binder_spawner.build_path(repository, ref))
                except binder_spawner.BinderBuildError as e:
                    print("error: " + str(e))
            """;
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", script])
        {
            WorkingDirectory = Path.Combine(AppContext.BaseDirectory, "JupyterHub"),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var python = Process.Start(start)!;
        await python.StandardInput.WriteAsync(JsonSerializer.Serialize(cases.Select(c => new[] { c.Repository, c.Ref })));
        python.StandardInput.Close();
        var output = await python.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = await python.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await python.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(python.ExitCode == 0, errors);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(cases.Length, lines.Length);
        foreach (var (c, line) in cases.Zip(lines))
        {
            Assert.True(line.StartsWith(c.Expected, StringComparison.Ordinal), $"'{c.Repository}' @ '{c.Ref}' gave '{line}', expected '{c.Expected}'");
        }
    }
}
