namespace Binder.Build.Buildpacks;

/// <summary>
/// The image's entrypoint, as repo2docker has it: when the repository has a <c>start</c> script, the container's
/// command is handed to it as arguments (<c>start</c> ends with <c>exec "$@"</c>); otherwise the command runs as is.
/// </summary>
internal static class EntrypointScript
{
    public static string Standard(PlanContext c)
    {
        var start = ShellWord(c.InRepo(c.Repository.EnvPath("start")));
        return $"""
            #!/bin/sh
            # Runs the repository's start script with the container's command as its arguments, or the command itself.
            set -e
            start={start}
            if [ -f "$start" ]; then
                [ -x "$start" ] || exec /bin/sh "$start" "$@"
                exec "$start" "$@"
            fi
            exec "$@"

            """;
    }

    /// <summary>Nix: the command (behind <c>start</c>, if any) runs inside <c>nix-shell</c> of the repository's <c>default.nix</c>.</summary>
    public static string Nix(PlanContext c)
    {
        var start = ShellWord(c.InRepo(c.Repository.EnvPath("start")));
        var shell = ShellWord(c.InRepo(c.Repository.EnvPath("default.nix")));
        return $"""
            #!/bin/bash
            # Runs the container's command (behind the repository's start script, if any) inside nix-shell.
            set -e
            start={start}
            if [ -f "$start" ]; then
                set -- "$start" "$@"
            fi
            exec nix-shell {shell} --command "$(printf '%q ' "$@")"

            """;
    }

    private static string ShellWord(string path) => DockerfileText.ShellQuote(path, "path");
}
