using System.Globalization;

namespace Binder.Build.Buildpacks;

/// <summary>Everything a recipe needs to know about this build, with the user overrides applied and validated.</summary>
internal sealed record PlanContext(
    BuildpackOptions Options,
    RepositoryView Repository,
    DetectionResult Detection,
    RuntimeTxt? Runtime,
    string UserName,
    int UserId)
{
    public string Home => BuildpackOptions.HomeOf(UserName);

    public string RepoDir => Options.EffectiveRepoDir(UserName);

    public string Uid => UserId.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>uid:gid</c> for <c>--chown</c> and <c>chown</c> (the group id is the user id).</summary>
    public string Owner => Uid + ":" + Uid;

    /// <summary>The absolute path in the image of a repository-relative path.</summary>
    public string InRepo(string relativePath) => RepoDir.TrimEnd('/') + "/" + relativePath;
}
