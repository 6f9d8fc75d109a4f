using System.Text.RegularExpressions;

namespace Binder.Build.Lint;

/// <summary>
/// Best effort over <c>install.R</c>: <c>install.packages</c> is pinned by the CRAN snapshot date, but
/// <c>remotes::install_github("owner/repo")</c> (or devtools') installs whatever the branch holds on the day, unless
/// the repository names a commit (<c>owner/repo@3f2a6e5</c> or <c>ref = "3f2a6e5..."</c>).
/// </summary>
internal static partial class InstallRLint
{
    public static void Check(LintContext c, string path)
    {
        if (c.ReadText(path) is not { } text)
        {
            return;
        }
        var lines = LintContext.Lines(text);
        for (var i = 0; i < lines.Length; i++)
        {
            var code = lines[i].Split('#')[0];
            var calls = InstallGithub().Matches(code);
            for (var k = 0; k < calls.Count; k++)
            {
                var m = calls[k];
                var target = m.Groups["repo"].Value;
                var at = target.IndexOf('@', StringComparison.Ordinal);
                // A ref= belongs to this call only when it comes before the next call on the line.
                var arguments = code[m.Index..(k + 1 < calls.Count ? calls[k + 1].Index : code.Length)];
                var reference = at >= 0 ? target[(at + 1)..] : RefArgument().Match(arguments) is { Success: true } r ? r.Groups[1].Value : null;
                if (reference is not null && CommitPattern().IsMatch(reference))
                {
                    continue;
                }
                var name = at >= 0 ? target[..at] : target;
                c.Add(path, i + 1, LintRules.UnpinnedRRemote,
                    reference is null
                        ? $"install_github(\"{RequirementsLint.Shown(target)}\") installs whatever the default branch holds on the day of the build; the CRAN snapshot date does not pin it"
                        : $"install_github(\"{RequirementsLint.Shown(target)}\") installs '{RequirementsLint.Shown(reference)}', a branch or tag, which can be moved to other commits",
                    $"pin a commit: install_github(\"{RequirementsLint.Shown(name)}@<commit sha>\")");
            }
        }
    }

    [GeneratedRegex(@"\binstall_github\(\s*(?:repo\s*=\s*)?[""'](?<repo>[^""']+)[""']")]
    private static partial Regex InstallGithub();

    [GeneratedRegex(@"\bref\s*=\s*[""']([^""']+)[""']")]
    private static partial Regex RefArgument();

    [GeneratedRegex(@"^[0-9a-fA-F]{7,40}\z")]
    private static partial Regex CommitPattern();
}
