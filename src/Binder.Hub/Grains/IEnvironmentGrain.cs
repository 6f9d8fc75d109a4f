namespace Binder.Hub.Grains;

/// <summary>
/// One per environment key (<c>Binder.Build.Buildpacks.EnvironmentKey</c>): remembers the last image pushed with that
/// environment, whatever its repository or commit, so a build of another commit on any node can use it as its cache
/// source. A repo grain holds one commit and cannot see the others.
/// </summary>
[Alias("binder.IEnvironmentGrain")]
public interface IEnvironmentGrain : IGrainWithStringKey
{
    /// <summary>The last image recorded with this environment, or null when none was.</summary>
    [Alias("GetLast")]
    Task<EnvironmentImage?> GetLast();

    /// <summary>Records <paramref name="image"/> as the last image with this environment.</summary>
    [Alias("Record")]
    Task Record(EnvironmentImage image);
}
