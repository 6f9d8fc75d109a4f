namespace Binder.Actors.Tests.Grains;

public interface IBadGrain : IGrainWithStringKey
{
    Task Run(Action callback);
}

public sealed record Envelope(string Name, Func<int> Factory);

public interface IBadStateGrain : IGrainWithStringKey
{
    Task<Envelope> Get();
}
