using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Binder.Build.Content;

/// <summary>
/// Runs the <c>git</c> command line. The one place where Binder starts git, so that arguments are never
/// passed through a shell, prompts are disabled and credentials in URLs never reach an error message.
/// </summary>
public sealed partial class GitCli(ContentOptions options)
{
    /// <summary>Runs git with <paramref name="arguments"/> in <paramref name="workingDirectory"/> and returns its output.</summary>
    /// <exception cref="GitCommandException">git exited with a non-zero code or timed out.</exception>
    public async Task<string> RunAsync(string? workingDirectory, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(options.GitExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Never wait for a password or a host-key answer on a terminal nobody watches. The operator's git
        // configuration (credential helpers, url rewrites) still applies.
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_ASKPASS"] = "/bin/true";
        start.Environment["GCM_INTERACTIVE"] = "never";
        start.Environment["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes";
        start.Environment["LC_ALL"] = "C";

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new GitCommandException(
                $"Could not run '{options.GitExecutable}': {e.Message}. Install git (apt-get install git) or set Content:GitExecutable.",
                exitCode: -1, standardError: "", e);
        }
        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.GitTimeout);
        // The reads are bounded too: a helper process git leaves behind can hold the pipes open after git exits.
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        string output;
        string error;
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            output = await stdout.ConfigureAwait(false);
            error = RedactSecrets(await stderr.ConfigureAwait(false), arguments).Trim();
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            cancellationToken.ThrowIfCancellationRequested();
            throw new GitCommandException(
                $"git {Describe(arguments)} did not finish within {options.GitTimeout.TotalSeconds:0} s (Content:GitTimeout).",
                exitCode: -1, standardError: "") { TimedOut = true };
        }
        if (process.ExitCode != 0)
        {
            throw new GitCommandException(
                $"git {Describe(arguments)} failed (exit code {process.ExitCode}): {error}", process.ExitCode, error);
        }
        return output;
    }

    /// <summary>
    /// Removes credentials from git's own output: URLs' user-info, and the user-info of the URLs it was given
    /// wherever it appears (git quotes "user:token@host" without the scheme in some messages).
    /// </summary>
    internal static string RedactSecrets(string text, IReadOnlyList<string> arguments)
    {
        var redacted = Redact(text);
        foreach (var argument in arguments)
        {
            foreach (Match match in UserInfo().Matches(argument))
            {
                var userInfo = match.Value[match.Groups[1].Length..^1];
                redacted = redacted.Replace(userInfo, "***", StringComparison.Ordinal);
            }
        }
        return redacted;
    }

    /// <summary>The command for messages: subcommand and arguments with any URL credentials removed.</summary>
    private static string Describe(IReadOnlyList<string> arguments)
    {
        var text = new StringBuilder();
        foreach (var argument in arguments)
        {
            if (text.Length > 0) text.Append(' ');
            text.Append(Redact(argument));
        }
        return text.ToString();
    }

    /// <summary>Replaces the user-info part (tokens, passwords) of every URL in <paramref name="text"/> with <c>***</c>.</summary>
    public static string Redact(string text) => UserInfo().Replace(text, "$1***@");

    /// <summary>Removes the user-info part of every URL in <paramref name="text"/>: for names and labels that outlive the build.</summary>
    public static string WithoutCredentials(string text) => UserInfo().Replace(text, "$1");

    [GeneratedRegex(@"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")]
    private static partial Regex UserInfo();
}
