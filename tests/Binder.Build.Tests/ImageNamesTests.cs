namespace Binder.Build.Tests;

public sealed class ImageNamesTests
{
    [Fact]
    public void Matches_the_name_a_real_BinderHub_gave()
    {
        // Observed from a real BinderHub for spec git/git%3A%2F%2F127.0.0.1%3A19418%2Fdemo.git/HEAD (ARCHITECTURE.md).
        Assert.Equal(
            "git-3a-2f-2f127-2e0-2e0-2e1-3a19418-2fdemo-2egit-fca58d:030b5cb646b7ab24667d862b99dda007ef285f9a",
            ImageNames.Derive("", "git://127.0.0.1:19418/demo.git", "030b5cb646b7ab24667d862b99dda007ef285f9a"));
    }

    [Fact]
    public void Prefix_is_kept_and_everything_is_lower_case()
    {
        Assert.Equal("registry:5000/binder/r2d-org-5frepo-", ImageNames.Derive("registry:5000/binder/r2d-", "Org_Repo", "V1")[..36]);
        Assert.StartsWith("my-prefix-", ImageNames.Derive("My_Prefix-", "x", "t"));
        Assert.EndsWith(":v1", ImageNames.Derive("p-", "Org_Repo", "V1"));
        Assert.EndsWith(":latest", ImageNames.Derive("p-", "x", null));
    }

    [Fact]
    public void Long_slugs_are_cut_to_255_characters_and_still_differ()
    {
        var sha = new string('a', 40);
        var one = ImageNames.Derive("prefix/", "https://example.org/" + new string('x', 400) + "/one", sha);
        var two = ImageNames.Derive("prefix/", "https://example.org/" + new string('x', 400) + "/two", sha);
        Assert.Equal(255, one.Length);
        Assert.Equal(255, two.Length);
        Assert.NotEqual(one, two);
    }

    [Theory]
    [InlineData("../../etc")]
    [InlineData("a b;rm -rf /")]
    [InlineData("ünïcode")]
    public void Only_safe_characters_come_out(string slug)
    {
        var name = ImageNames.Derive("", slug, "abc");
        Assert.Matches("^[a-z0-9-]+:abc$", name);
    }
}
