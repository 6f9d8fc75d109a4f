namespace Binder.Build.Tests;

/// <summary>
/// What the linked <c>ThrowawayDockerd</c> needs of the tests' <c>TestEnvironment</c> (which asserts with xunit, so it
/// is not linked here): a short unique suffix for its directory under /tmp.
/// </summary>
internal static class TestEnvironment
{
    public static string UniqueSuffix() => Guid.NewGuid().ToString("N")[..10];
}
