using Binder.Actors.Tests.Grains;
using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Serialization;

public sealed class SerializationTests
{
    [Fact]
    public async Task AnUnserializableParameterTypeFailsWithAMessageNamingTheType()
    {
        await using var silo = await TestSilos.StartAsync(new Probe());

        var error = Assert.Throws<GrainSerializationException>(() => silo.GrainFactory.GetGrain<IBadGrain>("x"));

        Assert.Contains("System.Action", error.Message);
        Assert.Contains("parameter 'callback'", error.Message);
    }

    [Fact]
    public async Task AnUnserializablePropertyDeepInAResultFailsWithTheTypeAndProperty()
    {
        await using var silo = await TestSilos.StartAsync(new Probe());

        var error = Assert.Throws<GrainSerializationException>(() => silo.GrainFactory.GetGrain<IBadStateGrain>("x"));

        Assert.Contains("System.Func`1", error.Message);
        Assert.Contains("Factory", error.Message);
    }
}
