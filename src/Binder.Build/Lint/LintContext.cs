using System.Text;
using Binder.Build.Buildpacks;

namespace Binder.Build.Lint;

/// <summary>
/// One lint run: the repository as the build sees it, the findings so far, and reads that turn every way a file can
/// fail to be read into a finding instead of an exception.
/// </summary>
internal sealed class LintContext(RepositoryView repository, BuildpackOptions options, DateOnly today)
{
    // Strict, as pip and micromamba are: a byte that is not UTF-8 is an error there, not a replacement character.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly List<LintFinding> _findings = [];
    // What was reported where, so a file with hundreds of thousands of findings is not compared against all of them each time.
    private readonly HashSet<(string File, int? Line, string Message)> _reported = [];
    private readonly HashSet<string> _files = new(StringComparer.Ordinal);

    public RepositoryView Repository { get; } = repository;

    public BuildpackOptions Options { get; } = options;

    /// <summary>Today (UTC), for the snapshot date a fix suggests.</summary>
    public DateOnly Today { get; } = today;

    public IReadOnlyList<LintFinding> Findings => _findings;

    /// <summary>The system Python's <c>major.minor</c>, what a repository gets when it pins nothing.</summary>
    public string DefaultPython => PythonVersion.TryParse(Options.DefaultPythonVersion)?.MajorMinor ?? Options.DefaultPythonVersion;

    /// <summary>Adds a finding; the same message for the same place twice (the build's refusal, then lint's own read) counts once.</summary>
    public void Add(string file, int? line, string rule, string message, string fix)
    {
        if (_reported.Add((file, line, message)))
        {
            _findings.Add(new LintFinding(file, line, rule, message, fix));
            _files.Add(file);
        }
    }

    public bool HasFindingFor(string file) => _files.Contains(file);

    /// <summary>The build's own refusal of the repository, reported on the file it names.</summary>
    public void Refused(BinderBuildException e)
    {
        var layout = e as RepositoryLayoutException;
        var file = layout?.FilePath ?? ".";
        if (layout?.FilePath is not null && HasFindingFor(file))
        {
            // Lint already said what is wrong with this file, in its own terms (runtime.txt 'r-4.3').
            return;
        }
        var finding = Refusal(e);
        Add(finding.File, finding.Line, finding.Rule, finding.Message, finding.Fix);
    }

    /// <summary>The build's refusal as a finding, without the "file line N: " its message starts with when it has a line.</summary>
    public static LintFinding Refusal(BinderBuildException e)
    {
        var layout = e as RepositoryLayoutException;
        var file = layout?.FilePath ?? ".";
        var message = e.Message.TrimEnd().TrimEnd('.');
        var prefix = layout?.Line is { } n ? $"{file} line {n}: " : null;
        if (prefix is not null && message.StartsWith(prefix, StringComparison.Ordinal))
        {
            message = message[prefix.Length..];
        }
        return new LintFinding(file, layout?.Line, LintRules.BuildRefused, message, "binder build refuses the repository until this is changed");
    }

    /// <summary>
    /// The text of a file, or <see langword="null"/> with a finding saying why it cannot be had: outside the
    /// repository, too large, not a regular file, unreadable, not UTF-8, binary.
    /// </summary>
    public string? ReadText(string relativePath)
    {
        byte[] bytes;
        try
        {
            bytes = Repository.ReadBytes(relativePath);
        }
        catch (RepositoryLayoutException e)
        {
            Add(relativePath, null, LintRules.UnreadableFile, e.Message.TrimEnd().TrimEnd('.'), "replace it with a readable text file inside the repository");
            return null;
        }
        if (bytes.AsSpan().IndexOf((byte)0) >= 0 && bytes is not ([0xFF, 0xFE, ..] or [0xFE, 0xFF, ..]))
        {
            Add(relativePath, null, LintRules.MalformedFile, $"{relativePath} holds NUL bytes: it is a binary file, not text",
                "replace it with the text file the build expects");
            return null;
        }
        // A byte-order mark (UTF-16 from PowerShell's '>', UTF-8 from Notepad) chooses the encoding, as pip's does.
        var (encoding, start) = bytes switch
        {
            [0xEF, 0xBB, 0xBF, ..] => ((Encoding)StrictUtf8, 3),
            [0xFF, 0xFE, ..] => (new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true), 2),
            [0xFE, 0xFF, ..] => (new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true), 2),
            _ => (StrictUtf8, 0),
        };
        string text;
        try
        {
            text = encoding.GetString(bytes.AsSpan(start));
        }
        catch (DecoderFallbackException e)
        {
            var line = bytes.AsSpan(start, Math.Clamp(e.Index, 0, bytes.Length - start)).Count((byte)'\n') + 1;
            Add(relativePath, line, LintRules.MalformedFile, $"{relativePath} is not UTF-8 text: line {line} holds a byte that is not UTF-8",
                "save the file as UTF-8");
            return null;
        }
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            Add(relativePath, null, LintRules.MalformedFile, $"{relativePath} holds NUL bytes: it is a binary file, not text",
                "replace it with the text file the build expects");
            return null;
        }
        return text;
    }

    /// <summary>Whether the build sees a file there; a link out of the repository is a finding (the build refuses it) and counts as absent.</summary>
    public bool Exists(string relativePath)
    {
        try
        {
            return Repository.FileExists(relativePath);
        }
        catch (RepositoryLayoutException e)
        {
            Add(relativePath, null, LintRules.UnreadableFile, e.Message.TrimEnd().TrimEnd('.'), "replace it with a readable text file inside the repository");
            return false;
        }
    }

    /// <summary><see cref="Exists"/> for a file of the configuration directory.</summary>
    public bool EnvExists(string fileName) => Exists(Repository.EnvPath(fileName));

    /// <summary><see cref="Exists"/> for <c>setup.py</c>, <c>pyproject.toml</c>, <c>DESCRIPTION</c>: only without a binder directory.</summary>
    public bool RootOnlyExists(string fileName) => !Repository.HasBinderDirectory && Exists(fileName);

    /// <summary>The lines of a text, without their line ends (1-based numbering is the index plus one).</summary>
    public static string[] Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
}
