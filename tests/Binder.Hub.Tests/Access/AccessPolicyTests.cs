using System.Net;
using Binder.Hub.Access;
using Binder.Hub.Providers;
using Microsoft.Extensions.Options;

namespace Binder.Hub.Tests.Access;

public sealed class AccessPolicyTests
{
    private static RepoSpec Gh(string spec)
    {
        var parts = spec.Split('/', 3);
        return new RepoSpec("gh", spec, $"{parts[0]}/{parts[1]}".ToLowerInvariant(), parts[2]);
    }

    private static AccessPolicy Policy(ProviderAccessRules gh, int? highQuota = null, params BannedNetwork[] networks) => new(new AccessOptions
    {
        Providers = new Dictionary<string, ProviderAccessRules> { ["gh"] = gh },
        HighQuota = highQuota,
        BannedNetworks = networks,
    });

    [Theory]
    [InlineData("spam-org/repo/main", false)]
    [InlineData("SPAM-ORG/Other/HEAD", false)]
    [InlineData("org/cryptominer/main", false)]
    [InlineData("org/cryptominer2/main", true)]
    [InlineData("good/repo/main", true)]
    [InlineData("xspam-org/repo/main", true)]
    public void Banned_specs_match_case_insensitively_from_the_start(string spec, bool allowed)
    {
        var policy = Policy(new ProviderAccessRules { BannedSpecs = ["spam-org/.*", "org/cryptominer/"] });

        var decision = policy.Check(Gh(spec), null);

        Assert.Equal(allowed, decision.Allowed);
        if (!allowed)
        {
            Assert.Equal(403, decision.StatusCode);
            Assert.Equal($"Sorry, gh/{spec} has been disabled from launching on this service. Please contact its operators for more information.", decision.Message);
        }
    }

    [Fact]
    public void With_an_allow_list_only_listed_specs_launch_and_bans_still_apply()
    {
        var policy = Policy(new ProviderAccessRules { AllowedSpecs = ["course/.*"], BannedSpecs = ["course/old-.*"] });

        var listed = policy.Check(Gh("course/week1/main"), null);
        var unlisted = policy.Check(Gh("someone/else/main"), null);
        var bannedListed = policy.Check(Gh("course/old-week/main"), null);
        var otherProvider = policy.Check(new RepoSpec("gl", "group%2Fproject/main", "group%2fproject", "main"), null);

        Assert.True(listed.Allowed);
        Assert.False(unlisted.Allowed);
        Assert.Equal(403, unlisted.StatusCode);
        Assert.Contains("only launches the ones its operators listed", unlisted.Message, StringComparison.Ordinal);
        Assert.False(bannedListed.Allowed);
        Assert.True(otherProvider.Allowed);
    }

    [Fact]
    public void Quotas_come_from_high_quota_specs_and_the_last_matching_override()
    {
        var policy = Policy(new ProviderAccessRules
        {
            HighQuotaSpecs = ["popular/.*"],
            QuotaOverrides =
            [
                new SpecQuota { Pattern = "popular/tutorial/", Quota = 500 },
                new SpecQuota { Pattern = "heavy/.*", Quota = 2 },
                new SpecQuota { Pattern = "heavy/blocked/", Quota = 0 },
            ],
        }, highQuota: 200);

        Assert.Equal(100, policy.QuotaFor(Gh("some/repo/main"), 100));
        Assert.Null(policy.QuotaFor(Gh("some/repo/main"), null));
        Assert.Equal(200, policy.QuotaFor(Gh("popular/repo/main"), 100));
        Assert.Equal(500, policy.QuotaFor(Gh("popular/tutorial/main"), 100));
        Assert.Equal(2, policy.QuotaFor(Gh("Heavy/thing/main"), 100));
        Assert.Equal(0, policy.QuotaFor(Gh("heavy/blocked/main"), 100));
        Assert.Equal(100, policy.QuotaFor(new RepoSpec("git", "x/HEAD", "x", "HEAD"), 100));
    }

    [Theory]
    [InlineData("192.0.2.7", false, "Your university's network is blocked after abuse; write to ops@example.org.")]
    [InlineData("192.0.3.7", true, null)]
    [InlineData("::ffff:192.0.2.200", false, "Your university's network is blocked after abuse; write to ops@example.org.")]
    [InlineData("2001:db8:1::5", false, "Requests from your network are not accepted by this service. If you think this is a mistake, contact its operators.")]
    [InlineData("2001:db9::5", true, null)]
    [InlineData("10.1.2.3", false, "Private networks may not launch.")]
    public void Banned_networks_in_ipv4_and_ipv6_are_refused_with_their_message(string address, bool allowed, string? message)
    {
        var policy = Policy(new ProviderAccessRules(), null,
            new BannedNetwork { Cidr = "192.0.2.0/24", Message = "Your university's network is blocked after abuse; write to ops@example.org." },
            new BannedNetwork { Cidr = "2001:db8::/32" },
            new BannedNetwork { Cidr = " 10.0.0.0/8 ", Message = "Private networks may not launch." });

        var decision = policy.Check(Gh("good/repo/main"), IPAddress.Parse(address));

        Assert.Equal(allowed, decision.Allowed);
        Assert.Equal(message, decision.Message);
        Assert.Equal(allowed ? 200 : 403, decision.StatusCode);
    }

    [Fact]
    public void Without_rules_everything_is_allowed_and_the_default_quota_applies()
    {
        var policy = new AccessPolicy(new AccessOptions());

        Assert.True(policy.Check(Gh("any/repo/main"), IPAddress.IPv6Loopback).Allowed);
        Assert.Equal(7, policy.QuotaFor(Gh("any/repo/main"), 7));
    }

    [Fact]
    public void Bad_patterns_and_networks_fail_at_start_naming_each_setting()
    {
        var options = new AccessOptions
        {
            Providers = new Dictionary<string, ProviderAccessRules>
            {
                ["gh"] = new()
                {
                    BannedSpecs = ["ok/.*", "broken/(unclosed"],
                    AllowedSpecs = [""],
                    QuotaOverrides = [new SpecQuota { Pattern = "[z-a]", Quota = -1 }],
                },
            },
            HighQuota = -5,
            BannedNetworks = [new BannedNetwork { Cidr = "192.0.2.1" }, new BannedNetwork { Cidr = "300.1.1.0/24" }, new BannedNetwork { Cidr = "2001:db8::/200" }],
        };

        var error = Assert.Throws<OptionsValidationException>(() => AccessOptionsValidator.ThrowIfInvalid(options));
        var validated = new AccessOptionsValidator().Validate(null, options);

        Assert.True(validated.Failed);
        Assert.Contains(error.Failures, f => f.StartsWith("Access:Providers:gh:BannedSpecs:1 'broken/(unclosed' is not a valid regular expression", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Access:Providers:gh:AllowedSpecs:0 is empty", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Access:Providers:gh:QuotaOverrides:0:Pattern '[z-a]'", StringComparison.Ordinal));
        Assert.Contains("Access:Providers:gh:QuotaOverrides:0:Quota must be 0 or more, not -1.", error.Failures);
        Assert.Contains("Access:HighQuota must be 0 or more, not -5.", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("Access:BannedNetworks:0:Cidr '192.0.2.1' is not a network in CIDR notation", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Access:BannedNetworks:1:Cidr", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Access:BannedNetworks:2:Cidr", StringComparison.Ordinal));
        Assert.Equal(8, error.Failures.Count());
    }

    // Exponential backtracking on a run of 'a's that does not end in a digit: far beyond the 250 ms match timeout.
    private const string Catastrophic = @"(a+)+\d";
    private static readonly RepoSpec Crafted = Gh(new string('a', 40) + "/repo/main");

    [Fact]
    public void A_ban_pattern_that_times_out_refuses_the_spec()
    {
        var policy = Policy(new ProviderAccessRules { BannedSpecs = [Catastrophic] });

        Assert.False(policy.Check(Crafted, null).Allowed);
    }

    [Fact]
    public void An_allow_pattern_that_times_out_does_not_allow_the_spec()
    {
        var policy = Policy(new ProviderAccessRules { AllowedSpecs = [Catastrophic] });

        Assert.False(policy.Check(Crafted, null).Allowed);
    }

    [Fact]
    public void Quota_patterns_that_time_out_give_no_extra_quota()
    {
        var policy = Policy(new ProviderAccessRules
        {
            HighQuotaSpecs = [Catastrophic],
            QuotaOverrides = [new SpecQuota { Pattern = Catastrophic, Quota = 1000 }],
        }, highQuota: 500);

        Assert.Equal(10, policy.QuotaFor(Crafted, 10));
    }

    [Fact]
    public void Rules_under_a_provider_that_does_not_exist_are_refused_with_the_valid_names()
    {
        var options = new AccessOptions { Providers = new Dictionary<string, ProviderAccessRules> { ["github"] = new() { BannedSpecs = [".*"] } } };

        var error = Assert.Throws<OptionsValidationException>(() => AccessOptionsValidator.ThrowIfInvalid(options));

        var failure = Assert.Single(error.Failures);
        Assert.Equal("Access:Providers:github: 'github' is not a repository provider, so these rules would never apply; use one of gh, gist, gl, git, zenodo, figshare, hydroshare, dataverse.", failure);
    }

    [Fact]
    public void Rules_under_an_upper_case_provider_apply()
    {
        var policy = new AccessPolicy(new AccessOptions { Providers = new Dictionary<string, ProviderAccessRules> { ["GH"] = new() { BannedSpecs = ["spam/.*"] } } });

        Assert.False(policy.Check(Gh("spam/repo/main"), null).Allowed);
        Assert.Equal(3, policy.QuotaFor(Gh("spam/repo/main"), 3));
    }

    [Fact]
    public void Rules_for_one_provider_under_two_casings_are_refused()
    {
        var options = new AccessOptions
        {
            Providers = new Dictionary<string, ProviderAccessRules> { ["gh"] = new(), ["Gh"] = new() },
        };

        var error = Assert.Throws<OptionsValidationException>(() => AccessOptionsValidator.ThrowIfInvalid(options));

        Assert.Contains("which name the same provider", Assert.Single(error.Failures), StringComparison.Ordinal);
    }
}
