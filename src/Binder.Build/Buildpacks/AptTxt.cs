using System.Text.RegularExpressions;

namespace Binder.Build.Buildpacks;

/// <summary>
/// Reads <c>apt.txt</c>: Debian package names, one or more per line, <c>#</c> starting a comment, blank lines
/// ignored. Each name must follow Debian's package-name grammar (lower-case letters, digits, <c>+</c>, <c>-</c>,
/// <c>.</c>, starting with a letter or digit), optionally with <c>:arch</c>, <c>=version</c> or <c>/release</c>.
/// Anything else is refused with the line number, so nothing in the file can reach a shell as anything but a
/// package name.
/// </summary>
public static partial class AptTxt
{
    /// <summary>Reads and validates an <c>apt.txt</c> file.</summary>
    /// <param name="path">The file on disk.</param>
    /// <param name="displayPath">The name used in error messages, such as <c>binder/apt.txt</c>.</param>
    /// <returns>The package names, in file order, without duplicates.</returns>
    /// <exception cref="RepositoryLayoutException">A line holds something that is not a package name.</exception>
    public static IReadOnlyList<string> Read(string path, string displayPath) =>
        Parse(File.ReadAllText(path), displayPath);

    /// <summary>Parses and validates the text of an <c>apt.txt</c> file.</summary>
    /// <param name="text">The file's content.</param>
    /// <param name="displayPath">The name used in error messages, such as <c>binder/apt.txt</c>.</param>
    /// <returns>The package names, in file order, without duplicates.</returns>
    /// <exception cref="RepositoryLayoutException">A line holds something that is not a package name.</exception>
    public static IReadOnlyList<string> Parse(string text, string displayPath)
    {
        ArgumentNullException.ThrowIfNull(text);
        var packages = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            var content = (hash >= 0 ? line[..hash] : line).Trim(' ', '\t');
            if (content.Length == 0)
            {
                continue;
            }
            foreach (var token in content.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (!IsValidPackage(token))
                {
                    throw new RepositoryLayoutException(
                        $"{displayPath} line {i + 1}: '{Shorten(token)}' is not a Debian package name. "
                        + "List one package name per line (lower-case letters, digits, '+', '-' and '.'), "
                        + "optionally followed by '=version'; use '#' for comments.")
                    {
                        FilePath = displayPath,
                        Line = i + 1,
                    };
                }
                if (seen.Add(token))
                {
                    packages.Add(token);
                }
            }
        }
        return packages;
    }

    /// <summary>Whether a word is a Debian package name, optionally with <c>:arch</c>, <c>=version</c> or <c>/release</c>.</summary>
    /// <param name="value">The word to check.</param>
    public static bool IsValidPackage(string value) => value.Length <= 200 && PackagePattern().IsMatch(value);

    private static string Shorten(string token)
    {
        var printable = new string(token.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return printable.Length <= 60 ? printable : printable[..60] + "...";
    }

    // Debian Policy 5.6.1 (names) and 5.6.12 (versions); apt's name:arch, name=version and name/release forms.
    [GeneratedRegex(@"^[a-z0-9][a-z0-9+.\-]+(?::[a-z0-9][a-z0-9\-]*)?(?:=[0-9][A-Za-z0-9.+~:\-]*|/[a-z0-9][a-z0-9.\-]*)?\z")]
    private static partial Regex PackagePattern();
}
