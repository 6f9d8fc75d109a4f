namespace Binder.Build.Content;

/// <summary>
/// Checks <see cref="ContentOptions"/> at start, for <c>binder build</c> and the service alike: a time-out of zero or
/// less, or one libgit2 cannot hold, would otherwise turn into a 1 ms or an endless fetch at the first build.
/// </summary>
/// <param name="section">The section the options are read from, e.g. <c>Binder:Content</c>.</param>
public sealed class ContentOptionsValidator(string section = "Binder:Content") : OptionsValidator<ContentOptions>(section)
{
    /// <summary>The longest time-out accepted: a day is longer than any fetch anyone would wait for.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    /// <inheritdoc />
    protected override IEnumerable<string> Check(ContentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.GitExecutable))
            yield return "GitExecutable is empty; name the git program, e.g. git or /usr/bin/git.";
        if (options.GitTimeout <= TimeSpan.Zero || options.GitTimeout > MaxTimeout)
            yield return $"GitTimeout is {options.GitTimeout}; give a duration from a moment to 1.00:00:00, e.g. 00:10:00.";
        // libgit2 takes the socket time-out in whole milliseconds; below a second every slow answer would fail.
        if (options.GitNetworkTimeout < TimeSpan.FromSeconds(1) || options.GitNetworkTimeout > MaxTimeout)
            yield return $"GitNetworkTimeout is {options.GitNetworkTimeout}; give a duration from 00:00:01 to 1.00:00:00, e.g. 00:01:00.";
        if (!string.IsNullOrEmpty(options.WorkDirectory) && !Path.IsPathFullyQualified(options.WorkDirectory))
            yield return $"WorkDirectory '{options.WorkDirectory}' must be an absolute path, e.g. /var/tmp/binder (or leave it out for the system's temporary directory).";
    }
}
