using System.Security.Cryptography;
using System.Text;
using Binder.Hub.Providers;

namespace Binder.Hub.Tests.Providers;

public sealed class ImageNameTests
{
    private static ResolvedRepo Repo(string slug, string resolvedRef) => new()
    {
        Spec = new RepoSpec("git", "x/HEAD", "x", "HEAD"),
        ResolvedRef = resolvedRef,
        RepoUrl = "https://example.org/x",
        BuildSlug = slug,
        Source = new GitSource("https://example.org/x", resolvedRef),
        PersistentSpec = "git/x/" + resolvedRef,
    };

    private static string Hash6(string slug) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(slug)))[..6];

    [Fact]
    public void The_name_matches_the_one_observed_from_a_real_BinderHub()
    {
        // ARCHITECTURE.md: spec git/git%3A%2F%2F127.0.0.1%3A19418%2Fdemo.git/HEAD built by a real BinderHub.
        var repo = Repo("git://127.0.0.1:19418/demo.git", "030b5cb646b7ab24667d862b99dda007ef285f9a");

        Assert.Equal(
            "git-3a-2f-2f127-2e0-2e0-2e1-3a19418-2fdemo-2egit-fca58d:030b5cb646b7ab24667d862b99dda007ef285f9a",
            RepoResolver.ImageNameFor(repo, ""));
    }

    [Theory]
    [InlineData("binder-examples-requirements", "r2d-", "r2d-binder-2dexamples-2drequirements-")]
    [InlineData("Org-Repo", "registry.example.org/binder/", "registry.example.org/binder/org-2drepo-")]
    [InlineData("group-sub-my_-project", "", "group-2dsub-2dmy-5f-2dproject-")]
    [InlineData("zenodo-3242074", "p-", "p-zenodo-2d3242074-")]
    [InlineData("dataverse-dvn-2ftjclkp", "", "dataverse-2ddvn-2d2ftjclkp-")]
    [InlineData("ünï", "", "-c3-bcn-c3-af-")]
    public void Names_are_prefix_escaped_slug_hash_and_ref_in_lower_case(string slug, string prefix, string expectedStart)
    {
        var sha = "ABCDEF0123456789abcdef0123456789abcdef01";

        var name = RepoResolver.ImageNameFor(Repo(slug, sha), prefix);

        Assert.Equal($"{expectedStart}{Hash6(slug)}:{sha.ToLowerInvariant()}", name);
    }

    [Fact]
    public void A_long_slug_is_cut_so_the_name_stays_within_255_characters_and_the_hash_keeps_it_unique()
    {
        var sha = new string('a', 40);
        var a = RepoResolver.ImageNameFor(Repo("https://example.org/" + new string('x', 900) + "/one", sha), "registry.example.org/binder-");
        var b = RepoResolver.ImageNameFor(Repo("https://example.org/" + new string('x', 900) + "/two", sha), "registry.example.org/binder-");

        Assert.True(a.Length <= 255, $"{a.Length} characters");
        Assert.True(b.Length <= 255, $"{b.Length} characters");
        Assert.NotEqual(a, b);
        Assert.EndsWith(":" + sha, a, StringComparison.Ordinal);
    }

    [Fact]
    public void Record_versions_become_the_tag()
    {
        var name = RepoResolver.ImageNameFor(Repo("figshare-9782777.v1", "9782777.v1"), "");

        Assert.Equal($"figshare-2d9782777-2ev1-{Hash6("figshare-9782777.v1")}:9782777.v1", name);
    }
}
