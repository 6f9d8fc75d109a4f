using Microsoft.Extensions.DependencyInjection;

namespace Binder.Actors.Tests.Support;

internal static class TestSilos
{
    /// <summary>Builds and starts a silo with all test grains, in-memory storage and reminders, and a shared probe.</summary>
    public static async Task<Silo> StartAsync(Probe probe, Action<SiloBuilder>? configure = null)
    {
        var builder = new SiloBuilder()
            .AddGrains(typeof(TestSilos).Assembly)
            .AddMemoryGrainStorage()
            .UseInMemoryReminders()
            .Configure(new SiloOptions { SiloName = "test", NodeName = "test-node" });
        builder.Services.AddSingleton(probe);
        configure?.Invoke(builder);
        var silo = builder.Build();
        await silo.StartAsync(TestContext.Current.CancellationToken);
        return silo;
    }
}
