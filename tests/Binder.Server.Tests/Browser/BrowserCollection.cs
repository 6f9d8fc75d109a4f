namespace Binder.Server.Tests.Browser;

/// <summary>The browser test classes share one service, one browser and the built images.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
