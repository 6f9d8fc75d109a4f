using System.Diagnostics;
using Binder.Actors.TestSilo;
using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Cluster;

/// <summary>A silo that really misses its heartbeats (its process is stopped with SIGSTOP), not one declared dead
/// with an SQL update.</summary>
public sealed class PausedSiloTests
{
    private static async Task SignalAsync(string signal, int pid)
    {
        using var kill = Process.Start("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("Could not run kill.");
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, kill.ExitCode);
    }

    [Fact]
    public async Task ASiloPausedLongerThanTheDeathTimeoutFencesItselfWhenResumedAndNeverServesAgain()
    {
        const int deathMs = 3000;
        await using var cluster = await TestCluster.StartAsync(deathMs);
        var victim = cluster.Silos[0];

        // A grain that lives on the victim.
        string? key = null;
        for (var i = 0; key is null; i++)
        {
            var host = (await cluster.Grains.GetGrain<ICounterGrain>($"p{i}").Where()).Split('|')[0];
            key = host == victim.SiloId ? $"p{i}" : null;
        }

        Assert.Equal(1, await cluster.Grains.GetGrain<ICounterGrain>(key).Increment());
        await SignalAsync("-STOP", victim.ProcessId);
        try
        {
            // While the victim is frozen the survivors declare it dead and the grain comes back on one of them.
            // Death timeout, one heartbeat, one call timeout, and scheduling headroom on a loaded 2-core machine.
            var deadline = DateTime.UtcNow + TimeSpan.FromMilliseconds(deathMs + 500 + 5000 + 5000);
            while (true)
            {
                try
                {
                    var host = (await cluster.Grains.GetGrain<ICounterGrain>(key).Where()).Split('|')[0];
                    Assert.NotEqual(victim.SiloId, host);
                    break;
                }
                catch (Exception e) when (e is SiloUnavailableException or GrainCallTimeoutException && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200, TestContext.Current.CancellationToken);
                }
            }

            Assert.Equal(2, await cluster.Grains.GetGrain<ICounterGrain>(key).Increment());
        }
        finally
        {
            await SignalAsync("-CONT", victim.ProcessId);
        }

        // Resumed, the victim sees that its last heartbeat is older than it may be and fences itself (the test silo
        // then prints FENCED and exits with 3) instead of serving its old activation.
        var exitCode = await victim.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 3, $"exit code {exitCode}:\n{victim.Output}");
        Assert.Contains("FENCED", victim.Output, StringComparison.Ordinal);
        Assert.Equal(3, await cluster.Grains.GetGrain<ICounterGrain>(key).Increment());
    }
}
