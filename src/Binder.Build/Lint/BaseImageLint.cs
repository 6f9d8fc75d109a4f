using System.Text.RegularExpressions;

namespace Binder.Build.Lint;

/// <summary>
/// What a repository that brings its own image description starts from: a Dockerfile's <c>FROM</c> images and a
/// <c>default.nix</c>'s nixpkgs. Everything else in them is the author's own to pin; these two move by themselves.
/// </summary>
internal static partial class BaseImageLint
{
    public static void CheckDockerfile(LintContext c, string path)
    {
        if (c.ReadText(path) is not { } text)
        {
            return;
        }
        var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (line, content) in RequirementsLint.LogicalLines(text))
        {
            var m = FromPattern().Match(content);
            if (!m.Success)
            {
                continue;
            }
            var image = m.Groups["image"].Value;
            if (m.Groups["stage"].Success)
            {
                stages.Add(m.Groups["stage"].Value);
            }
            // A build argument is chosen at build time (Binder's own NB_USER arguments included), an earlier stage is pinned
            // where it is defined, and scratch is empty.
            if (image.Contains('$', StringComparison.Ordinal) || stages.Contains(image) && !m.Groups["stage"].Value.Equals(image, StringComparison.OrdinalIgnoreCase)
                || image.Equals("scratch", StringComparison.OrdinalIgnoreCase) || image.Contains('@', StringComparison.Ordinal))
            {
                continue;
            }
            var lastSlash = image.LastIndexOf('/');
            var colon = image.IndexOf(':', lastSlash + 1);
            var tag = colon < 0 ? null : image[(colon + 1)..];
            if (tag is not null && tag != "latest")
            {
                continue;
            }
            var repository = colon < 0 ? image : image[..colon];
            c.Add(path, line, LintRules.UnpinnedBaseImage,
                tag is null
                    ? $"FROM {RequirementsLint.Shown(image)} has no tag, so it is whatever 'latest' is on the day of the build"
                    : $"FROM {RequirementsLint.Shown(image)} follows 'latest', which moves with every release of the image",
                $"name a version tag or a digest: {RequirementsLint.Shown(repository)}:<version> or {RequirementsLint.Shown(repository)}@sha256:<digest>");
        }
    }

    public static void CheckNix(LintContext c, string path)
    {
        if (c.ReadText(path) is not { } text)
        {
            return;
        }
        var lines = LintContext.Lines(text);
        for (var i = 0; i < lines.Length; i++)
        {
            var code = lines[i].Split('#')[0];
            if (code.Contains("<nixpkgs>", StringComparison.Ordinal))
            {
                c.Add(path, i + 1, LintRules.UnpinnedNixpkgs,
                    "<nixpkgs> is the channel of the machine that builds, which moves with every channel update",
                    "import a fixed nixpkgs: import (fetchTarball { url = \"https://github.com/NixOS/nixpkgs/archive/<commit>.tar.gz\"; sha256 = \"<hash>\"; }) {}");
            }
        }
    }

    [GeneratedRegex(@"^\s*FROM\s+(?:--[A-Za-z-]+=\S+\s+)*(?<image>\S+)(?:\s+AS\s+(?<stage>\S+))?\s*\z", RegexOptions.IgnoreCase)]
    private static partial Regex FromPattern();
}
