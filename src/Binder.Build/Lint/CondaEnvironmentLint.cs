using System.Text.RegularExpressions;
using Binder.Build.Buildpacks;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Binder.Build.Lint;

/// <summary>
/// Pins in a conda <c>environment.yml</c>: every dependency with a version (<c>numpy=1.26</c>, <c>numpy==1.26.4</c>,
/// <c>numpy 1.26.*</c>), the <c>pip:</c> list as a requirements file. Channels are not pins and are not checked.
/// The file is parsed as YAML, so a file micromamba would refuse is reported with the line of the error.
/// </summary>
internal static partial class CondaEnvironmentLint
{
    public static void Check(LintContext c, string path)
    {
        if (c.ReadText(path) is not { } text)
        {
            return;
        }
        YamlNode? root;
        try
        {
            if (NestingTooDeep(text) is { } deep)
            {
                c.Add(path, deep, LintRules.MalformedFile, $"{path} nests lists and mappings more than {MaxNesting} levels deep, which no environment file does",
                    "write dependencies: as one list of packages, with pip: as one list inside it");
                return;
            }
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            var line = (int)e.Start.Line;
            c.Add(path, line > 0 ? line : null, LintRules.MalformedFile,
                $"{path} is not valid YAML: {RequirementsLint.Shown(Reason(e))}",
                "fix the YAML (indentation, a missing ':' or an unclosed quote are the usual causes)");
            return;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet 18.1.0's parser gives up on some malformed input this way rather than with a YamlException
            // (found by the random-text test); it is the file's fault all the same.
            c.Add(path, null, LintRules.MalformedFile, $"{path} is not valid YAML: the parser cannot read it",
                "fix the YAML (indentation, a missing ':' or an unclosed quote are the usual causes)");
            return;
        }
        if (root is null || root is YamlScalarNode { Value: null or "" })
        {
            // An empty file: micromamba installs nothing from it.
            return;
        }
        if (root is not YamlMappingNode document)
        {
            c.Add(path, Line(root), LintRules.MalformedFile, $"{path} is not a mapping with 'dependencies:' and 'channels:'",
                "write it as conda env export --from-history does: name:, channels: and dependencies: at the top level");
            return;
        }
        if (!document.Children.TryGetValue(new YamlScalarNode("dependencies"), out var dependencies) || dependencies is YamlScalarNode { Value: null or "" })
        {
            return;
        }
        if (dependencies is not YamlSequenceNode list)
        {
            c.Add(path, Line(dependencies), LintRules.MalformedFile, "'dependencies' is not a list",
                "list one package per line, each starting with '- '");
            return;
        }
        var baseDirectory = path.Contains('/', StringComparison.Ordinal) ? path[..path.LastIndexOf('/')] : "";
        foreach (var item in list)
        {
            switch (item)
            {
                case YamlScalarNode { Value: { } spec }:
                    CheckPackage(c, path, Line(item), spec);
                    break;
                case YamlMappingNode map when map.Children.TryGetValue(new YamlScalarNode("pip"), out var pip) && pip is YamlSequenceNode pipList:
                    RequirementsLint.CheckEntries(c,
                        pipList.OfType<YamlScalarNode>().Where(n => n.Value is not null).Select(n => (path, Line(n) ?? 0, n.Value!)),
                        baseDirectory);
                    break;
                case YamlMappingNode map when map.Children.ContainsKey(new YamlScalarNode("pip")):
                    c.Add(path, Line(item), LintRules.MalformedFile, "'pip:' is not a list", "list one requirement per line under 'pip:', each starting with '- '");
                    break;
                default:
                    c.Add(path, Line(item), LintRules.MalformedFile, "a dependency is neither a package nor the 'pip:' list",
                        "write each dependency as '- name=version', or '- pip:' followed by a list");
                    break;
            }
        }
    }

    /// <summary>One conda match spec: <c>[channel::]name[ version[ build]]</c>, <c>name=version[=build]</c>, <c>name[version='...']</c>.</summary>
    private static void CheckPackage(LintContext c, string path, int? line, string spec)
    {
        var m = SpecPattern().Match(spec.Trim());
        if (!m.Success)
        {
            c.Add(path, line, LintRules.MalformedFile, $"'{RequirementsLint.Shown(spec)}' is not a conda package specification",
                "write it as name=version, for example numpy=1.26");
            return;
        }
        var name = m.Groups["name"].Value;
        if (name.Equals("python", StringComparison.OrdinalIgnoreCase))
        {
            // The Python version has a rule of its own (unpinned-python), which also covers a missing entry.
            return;
        }
        var rest = m.Groups["rest"].Value.Trim();
        var version = Version(rest);
        var state = HasBuildString(rest) && IsOneVersion(version) ? PinState.Pinned : Classify(version);
        if (state == PinState.Pinned)
        {
            return;
        }
        var shown = RequirementsLint.Shown(spec.Trim());
        const string Export = "conda env export --from-history lists what you asked for; conda list shows the installed versions";
        if (state == PinState.Unpinned)
        {
            c.Add(path, line, LintRules.UnpinnedCondaPackage, $"{shown} has no version, so each build installs the newest one",
                $"pin it: {name}=<version> ({Export})");
        }
        else
        {
            c.Add(path, line, LintRules.RangePinnedCondaPackage, $"{shown} is a range, so each build installs the newest version inside it",
                $"pin it: {name}=<major.minor> or {name}==<version> ({Export})");
        }
    }

    /// <summary>The version part of what follows the name: <c>=1.2=py_0</c> gives <c>=1.2</c>, <c>[version='&gt;=1']</c> gives <c>&gt;=1</c>.</summary>
    private static string Version(string rest)
    {
        if (rest.StartsWith('['))
        {
            var bracket = BracketVersion().Match(rest);
            return bracket.Success ? bracket.Groups[1].Value.Trim() : "";
        }
        if (rest.StartsWith('=') && !rest.StartsWith("==", StringComparison.Ordinal))
        {
            // name=version=build: the build string after a second '=' is no part of the version.
            var second = rest.IndexOf('=', 1);
            return second < 0 ? rest : rest[..second];
        }
        // name version build: the build string is the next word.
        return rest.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
    }

    /// <summary>A version with no operator, list or wildcard in it.</summary>
    private static bool IsOneVersion(string version) =>
        version.TrimStart('=').Length > 0 && version.IndexOfAny(['>', '<', '!', '~', ',', '|', '*']) < 0;

    /// <summary>
    /// Whether a build string follows the version (<c>=2024a=h0c530f3_0</c>, <c>2024a h0c530f3_0</c>): what
    /// <c>conda env export</c> writes, one exact package, whatever its version looks like.
    /// </summary>
    private static bool HasBuildString(string rest) =>
        rest.StartsWith('=') && !rest.StartsWith("==", StringComparison.Ordinal)
            ? rest.IndexOf('=', 1) > 0
            : !rest.StartsWith('[') && rest.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Length > 1;

    /// <summary>
    /// conda's reading of a version: <c>=1.26</c> is 1.26.* (a pin on what <c>--from-history</c> exports), <c>==1.26.4</c>
    /// (or <c>==9e</c>) and a bare <c>1.26.4</c> are exact; a bare major (<c>=1</c>, <c>1.*</c>), operators, <c>,</c> and
    /// <c>|</c> are ranges.
    /// </summary>
    internal static PinState Classify(string version)
    {
        if (version.Length == 0)
        {
            return PinState.Unpinned;
        }
        if (version.IndexOfAny(['>', '<', '!', '~', ',', '|']) >= 0)
        {
            return PinState.RangePinned;
        }
        if (version.StartsWith("==", StringComparison.Ordinal) && version.Length > 2 && !version.Contains('*', StringComparison.Ordinal))
        {
            return PinState.Pinned;
        }
        var bare = version.TrimStart('=').TrimEnd('*').TrimEnd('.');
        if (bare.Length == 0)
        {
            return PinState.Unpinned;
        }
        return bare.Contains('.', StringComparison.Ordinal) ? PinState.Pinned : PinState.RangePinned;
    }

    /// <summary>Deeper than this, building the document would recurse through the stack; an environment file needs 4.</summary>
    private const int MaxNesting = 64;

    /// <summary>
    /// The line where nesting passes <see cref="MaxNesting"/>, read with YamlDotNet's event parser (a state machine
    /// that does not recurse), or null: the document model recurses per level and a file of 200 000 '[' would
    /// overflow the stack, which ends the process.
    /// </summary>
    private static int? NestingTooDeep(string text)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++depth > MaxNesting)
                    {
                        return (int)parser.Current.Start.Line;
                    }
                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }
        }
        return null;
    }

    /// <summary>The line of a node as YamlDotNet counts it (from 1).</summary>
    private static int? Line(YamlNode node) => node.Start.Line > 0 ? (int)node.Start.Line : null;

    /// <summary>YamlDotNet's message without its "(Line: 3, Col: 5, Idx: ...) - (...):" position prefix, which the finding's line replaces.</summary>
    private static string Reason(YamlException e)
    {
        var message = e.InnerException is YamlException inner ? inner.Message : e.Message;
        var colon = message.IndexOf("): ", StringComparison.Ordinal);
        return (colon >= 0 && message.StartsWith('(') ? message[(colon + 3)..] : message).TrimEnd('.');
    }

    [GeneratedRegex(@"^(?:[^\s:]+::)?(?<name>[A-Za-z0-9_][A-Za-z0-9_.\-]*)(?<rest>.*)\z", RegexOptions.NonBacktracking)]
    private static partial Regex SpecPattern();

    [GeneratedRegex(@"version\s*=\s*['""]?([^'""\],]+(?:,[^'""\]]+)*)['""]?")]
    private static partial Regex BracketVersion();
}
