using Binder.Build.Content;
using Binder.Hub.Providers;

namespace Binder.Hub.Tests.Providers;

public sealed class SpecParsingTests : IDisposable
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private readonly HttpClient http = new();
    private readonly RepoResolver resolver;

    public SpecParsingTests()
    {
        resolver = new RepoResolver(new ProvidersOptions(), http, new GitRemote(new ContentOptions()));
    }

    public void Dispose() => http.Dispose();

    [Theory]
    [InlineData("gh", "binder-examples/requirements/HEAD", "binder-examples/requirements/HEAD", "binder-examples/requirements", "HEAD")]
    [InlineData("gh", "Org/Repo.git/main", "Org/Repo/main", "org/repo", "main")]
    [InlineData("gh", "org/repo/feature/x", "org/repo/feature/x", "org/repo", "feature/x")]
    [InlineData("gh", "org/repo/" + Sha, "org/repo/" + Sha, "org/repo", Sha)]
    [InlineData("gh", "org/my.repo_1/v1.0.0", "org/my.repo_1/v1.0.0", "org/my.repo_1", "v1.0.0")]
    [InlineData("gh", "org/repo/ünïcödé-branch", "org/repo/ünïcödé-branch", "org/repo", "ünïcödé-branch")]
    [InlineData("gist", "user/abc123", "user/abc123", "user/abc123", "HEAD")]
    [InlineData("gist", "User/ABC123/" + Sha, "User/ABC123/" + Sha, "user/abc123", Sha)]
    [InlineData("gist", "user/abc123/master", "user/abc123/master", "user/abc123", "master")]
    [InlineData("gl", "group%2Fproject/main", "group%2Fproject/main", "group%2fproject", "main")]
    [InlineData("gl", "group%2Fsub%2Fproject/feature%2Fx", "group%2Fsub%2Fproject/feature/x", "group%2fsub%2fproject", "feature/x")]
    [InlineData("gl", "group%2Fproject/feature/x", "group%2Fproject/feature/x", "group%2fproject", "feature/x")]
    [InlineData("git", "https%3A%2F%2Fgithub.com%2Fbinder-examples%2Fconda/main", "https%3A%2F%2Fgithub.com%2Fbinder-examples%2Fconda/main", "https%3A%2F%2Fgithub.com%2Fbinder-examples%2Fconda", "main")]
    [InlineData("git", "git%3A%2F%2F127.0.0.1%3A19418%2Fdemo.git/HEAD", "git%3A%2F%2F127.0.0.1%3A19418%2Fdemo.git/HEAD", "git%3A%2F%2F127.0.0.1%3A19418%2Fdemo.git", "HEAD")]
    [InlineData("git", "http%3A%2F%2Fgit.example.org%2Frepo/" + Sha, "http%3A%2F%2Fgit.example.org%2Frepo/" + Sha, "http%3A%2F%2Fgit.example.org%2Frepo", Sha)]
    [InlineData("zenodo", "10.5281/zenodo.3242074", "10.5281/zenodo.3242074", "10.5281/zenodo.3242074", null)]
    [InlineData("zenodo", "https://doi.org/10.5281/zenodo.3242074", "10.5281/zenodo.3242074", "10.5281/zenodo.3242074", null)]
    [InlineData("zenodo", "doi:10.5281/zenodo.3242074", "10.5281/zenodo.3242074", "10.5281/zenodo.3242074", null)]
    [InlineData("figshare", "10.6084/m9.figshare.9782777.v1", "10.6084/m9.figshare.9782777.v1", "10.6084/m9.figshare.9782777.v1", null)]
    [InlineData("dataverse", "10.7910/DVN/TJCLKP", "10.7910/DVN/TJCLKP", "10.7910/dvn/tjclkp", null)]
    [InlineData("dataverse", "https://dx.doi.org/10.7910/DVN/TJCLKP", "10.7910/DVN/TJCLKP", "10.7910/dvn/tjclkp", null)]
    [InlineData("hydroshare", "b8f6eae9d89241cf8b5904033460af61", "b8f6eae9d89241cf8b5904033460af61", "b8f6eae9d89241cf8b5904033460af61", null)]
    [InlineData("hydroshare", "https://www.hydroshare.org/resource/b8f6eae9d89241cf8b5904033460af61/", "b8f6eae9d89241cf8b5904033460af61", "b8f6eae9d89241cf8b5904033460af61", null)]
    public void Valid_specs_parse_to_spec_repository_and_ref(string provider, string spec, string expectedSpec, string expectedRepository, string? expectedRef)
    {
        var parsed = resolver.Parse(provider, spec);

        Assert.Equal(provider, parsed.Provider);
        Assert.Equal(expectedSpec, parsed.Spec);
        Assert.Equal(expectedRepository, parsed.Repository);
        Assert.Equal(expectedRef, parsed.Ref);
        Assert.Equal($"{provider}/{expectedSpec}", parsed.FullSpec);
        // Parsing is idempotent: the normalised spec parses to itself.
        Assert.Equal(parsed, resolver.Parse(provider, parsed.Spec));
    }

    [Theory]
    [InlineData("gh", "", "empty")]
    [InlineData("gh", "org/repo", "Did you mean 'gh/org/repo/HEAD'?")]
    [InlineData("gh", "org", "'user/repo/ref'")]
    [InlineData("gh", "org//main", "is not a GitHub repository name")]
    [InlineData("gh", "../repo/main", "is not a GitHub user")]
    [InlineData("gh", "org/../main", "is not a GitHub repository name")]
    [InlineData("gh", "org/.git/main", "is not a GitHub repository name")]
    [InlineData("gh", "org/repo/../../etc/passwd", "contains '..'")]
    [InlineData("gh", "org/repo/main\n", "control or white-space")]
    [InlineData("gh", "org/repo/ma in", "control or white-space")]
    [InlineData("gh", "org/repo/main\u200b", "control or white-space")]
    [InlineData("gh", "org/repo/ma\u0000in", "control or white-space")]
    [InlineData("gh", "org/repo/-upload-pack", "starts with '-'")]
    [InlineData("gh", "org/repo/", "is empty")]
    [InlineData("gh", "org/repo/main/", "empty path segment")]
    [InlineData("gh", "org/repo/a//b", "empty path segment")]
    [InlineData("gh", "org/repo/main.lock", "'.lock'")]
    [InlineData("gh", "org/repo/.hidden", "starting with '.'")]
    [InlineData("gh", "org/repo/a~1", "one of")]
    [InlineData("gh", "org/repo/a:b", "one of")]
    [InlineData("gh", "org/repo/HEAD@{1}", "'@{'")]
    [InlineData("gh", "ørg/repo/main", "is not a GitHub user")]
    [InlineData("gh", "org;rm -rf/repo/main", "control or white-space")]
    [InlineData("gist", "user", "'user/id'")]
    [InlineData("gist", "user/xyz!", "is not a gist id")]
    [InlineData("gist", "user/abc/notasha", "full 40-character sha")]
    [InlineData("gist", "user/abc/" + Sha + "/extra", "'user/id'")]
    [InlineData("gl", "project/main", "is not a GitLab project path")]
    [InlineData("gl", "group%2F..%2Fx/main", "'..' path segment")]
    [InlineData("gl", "group%2Fproject", "has no ref")]
    [InlineData("gl", "group%2F%2Fproject/main", "empty path segment")]
    [InlineData("gl", "group%2Fproject/-x", "starts with '-'")]
    [InlineData("gl", "group%2Fpro%0Aject/main", "control or white-space")]
    [InlineData("git", "file%3A%2F%2F%2Fetc%2Fpasswd/HEAD", "scheme 'file'")]
    [InlineData("git", "ext%3A%3Ash/HEAD", "transport helper")]
    [InlineData("git", "ext%3A%3Ash%20-c%20touch%20%2Ftmp%2Fpwned/HEAD", "control or white-space")]
    [InlineData("git", "--upload-pack=touch/HEAD", "starts with '-'")]
    [InlineData("git", "https%3A%2F%2Fuser%3Apass%40example.com%2Frepo/HEAD", "credentials")]
    [InlineData("git", "https%3A%2F%2Fexample.com%2Frepo/--output=x", "starts with '-'")]
    [InlineData("git", "ssh%3A%2F%2Fgit%40example.com%2Frepo/HEAD", "scheme 'ssh'")]
    [InlineData("git", "git%40github.com%3Aorg%2Frepo.git/HEAD", "ssh address")]
    [InlineData("git", "https%3A%2F%2Fexample.com%2F..%2Fsecret/HEAD", "'..' path segment")]
    [InlineData("git", "https%3A%2F%2Fexample.com%2Frepo", "has no ref")]
    [InlineData("git", "https%3A%2F%2Fexample.com%2Frepo/", "is empty")]
    [InlineData("git", "https%3A%2F%2Fexample.com%2Fre%22po/HEAD", "quotes")]
    [InlineData("git", "relative%2Fpath/HEAD", "not an absolute URL")]
    [InlineData("zenodo", "3242074", "is not a DOI")]
    [InlineData("zenodo", "10.5281/zenodo.3242074/../x", "'..' path segment")]
    [InlineData("zenodo", "10.5281/zenodo 1", "control or white-space")]
    [InlineData("zenodo", "", "empty")]
    [InlineData("figshare", "https://example.org/10.6084/x", "is not a DOI")]
    [InlineData("dataverse", "10.7910/DVN//TJCLKP", "empty path segment")]
    [InlineData("hydroshare", "not-an-id", "is not a HydroShare resource id")]
    [InlineData("hydroshare", "b8f6eae9d89241cf8b5904033460af6", "is not a HydroShare resource id")]
    [InlineData("hydroshare", "file:///resource/b8f6eae9d89241cf8b5904033460af61", "is not a HydroShare resource id")]
    public void Malformed_or_unsafe_specs_are_refused_with_a_sentence(string provider, string spec, string expected)
    {
        var error = Assert.Throws<InvalidSpecException>(() => resolver.Parse(provider, spec));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.EndsWith(error.Message.TrimEnd().EndsWith('?') ? "?" : ".", error.Message.TrimEnd(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gh")]
    [InlineData("gl")]
    [InlineData("git")]
    [InlineData("zenodo")]
    [InlineData("hydroshare")]
    public void Specs_over_the_length_limit_are_refused(string provider)
    {
        var spec = provider switch
        {
            "gl" => "group%2Fproject/" + new string('a', 2000),
            "git" => "https%3A%2F%2Fexample.com%2F" + new string('a', 2000) + "/HEAD",
            "zenodo" => "10.5281/" + new string('a', 2000),
            _ => "org/repo/" + new string('a', 2000),
        };

        var error = Assert.Throws<InvalidSpecException>(() => resolver.Parse(provider, spec));

        Assert.Contains("at most 1024", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ref_longer_than_git_hosts_allow_is_refused()
    {
        var error = Assert.Throws<InvalidSpecException>(() => resolver.Parse("gh", "org/repo/" + new string('b', 300)));

        Assert.Contains("longer than 255", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_provider_is_refused_with_the_known_prefixes()
    {
        var error = Assert.Throws<InvalidSpecException>(() => resolver.Parse("bitbucket", "org/repo/main"));

        Assert.Contains("'bitbucket' is not a known repository provider", error.Message, StringComparison.Ordinal);
        Assert.Contains("gh, gist, gl, git, zenodo, figshare, hydroshare, dataverse", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lone_surrogate_is_refused()
    {
        var error = Assert.Throws<InvalidSpecException>(() => resolver.Parse("gh", "org/repo/a\ud800b"));

        Assert.Contains("control or white-space", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ssh_urls_are_accepted_only_when_the_operator_allows_them()
    {
        using var client = new HttpClient();
        var permissive = new RepoResolver(new ProvidersOptions { Git = new GitProviderOptions { AllowSsh = true } }, client, new GitRemote(new ContentOptions()));

        var scpLike = permissive.Parse("git", "git%40github.com%3Aorg%2Frepo.git/HEAD");
        var withPassword = Assert.Throws<InvalidSpecException>(() => permissive.Parse("git", "ssh%3A%2F%2Fgit%3Asecret%40example.com%2Frepo/HEAD"));

        Assert.Equal(Uri.EscapeDataString("ssh://git@github.com/org/repo.git"), scpLike.Repository);
        Assert.Contains("credentials", withPassword.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", withPassword.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_providers_are_listed_in_order_with_their_display_configuration()
    {
        Assert.Equal(["gh", "gist", "gl", "git", "zenodo", "figshare", "hydroshare", "dataverse"], resolver.Providers.Select(p => p.Prefix));
        Assert.All(resolver.DisplayConfigs, display => Assert.False(string.IsNullOrEmpty(display.Spec.ValidateRegex)));
        Assert.Equal(resolver.Providers.Select(p => p.Prefix), resolver.DisplayConfigs.Select(d => d.Id));
        Assert.True(resolver.ProviderFor("gl").Display.Repo.UrlEncode);
        Assert.False(resolver.ProviderFor("zenodo").Display.Ref.Enabled);
    }
}
