using Binder.Actors.Runtime;

namespace Binder.Actors.Tests.Support;

/// <summary>Looks into a grain's activation through the mailbox, so tests wait for what the activation has processed
/// instead of sleeping.</summary>
internal static class ActivationProbe
{
    public static Activation Of(Probe probe, string key) => ((Grain)probe.Items[key]).Activation;

    /// <summary>Completes when every work item the activation had, and any it enqueued while processing them, is done.</summary>
    public static async Task SettleAsync(Activation activation)
    {
        await activation.InspectAsync(_ => 0);
        await activation.InspectAsync(_ => 0);
    }

    /// <summary>Waits (up to 30 s) until <paramref name="condition"/> holds on the activation's own thread.</summary>
    public static async Task WaitUntilAsync(Activation activation, Func<Activation, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await activation.InspectAsync(condition))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Gave up waiting until {what}.");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
