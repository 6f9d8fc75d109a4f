namespace Binder.Build.Context;

/// <summary>One pattern line of an ignore file.</summary>
/// <param name="File">The ignore file's repository-relative path, e.g. <c>binder/.dockerignore</c>.</param>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Text">The line as written (trimmed), e.g. <c>data/</c> or <c>!data/keep.csv</c>.</param>
/// <param name="Exclude">False for a <c>!</c> line, which re-includes.</param>
public sealed record DockerIgnoreRule(string File, int Line, string Text, bool Exclude)
{
    /// <summary>"line 3 of binder/.dockerignore ('data/')", for messages; the line is the repository's, so made printable.</summary>
    public override string ToString() => $"line {Line} of {PrintableText.Of(File)} ('{PrintableText.Of(Text)}')";
}
