namespace Binder.Actors.Tests.Grains;

/// <summary>A non-reentrant grain whose calls can be held on a test gate (see <see cref="Support.Probe.Gate"/>).</summary>
public interface IGateGrain : IGrainWithStringKey
{
    /// <summary>Records "holding {key} {gate}" and holds the grain until the gate opens.</summary>
    Task Hold(string gate);

    Task Ping();

    /// <summary>One-way calls <paramref name="other"/>.CallBackLater(this key, gate) and returns.</summary>
    Task StartOneWay(string other, string gate);

    /// <summary>Waits for the gate, then calls Ping on <paramref name="caller"/>; records "called back {key}" or
    /// "callback failed {key} {exception type}".</summary>
    [OneWay]
    Task CallBackLater(string caller, string gate);

    /// <summary>One-way; records "fired {key} {text}", then holds the grain until the gate opens.</summary>
    [OneWay]
    Task FireAndHold(string text, string gate);
}
