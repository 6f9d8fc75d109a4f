namespace Binder.Build.Lint;

/// <summary>One thing in a repository that lets its environment change from one build to the next, or keeps it from building.</summary>
/// <param name="File">The repository-relative path (with <c>/</c> separators) of the file at fault, or of the file that
/// should exist (<c>runtime.txt</c>); <c>.</c> when the finding is about the repository as a whole.</param>
/// <param name="Line">The 1-based line, when the finding is about one line.</param>
/// <param name="Rule">A stable identifier from <see cref="LintRules"/>.</param>
/// <param name="Message">What is wrong, as a sentence fragment without a final full stop.</param>
/// <param name="Fix">What to change, as a sentence fragment without a final full stop.</param>
public sealed record LintFinding(string File, int? Line, string Rule, string Message, string Fix);
