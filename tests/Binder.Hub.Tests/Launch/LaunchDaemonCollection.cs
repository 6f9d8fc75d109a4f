namespace Binder.Hub.Tests.Launch;

/// <summary>Tests on the shared daemon run one at a time (two cores, one daemon shared with other agents).</summary>
[CollectionDefinition(Name)]
public sealed class LaunchDaemonCollection : ICollectionFixture<SessionImageFixture>
{
    public const string Name = "Launch on the Docker daemon";
}
