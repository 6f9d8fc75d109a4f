namespace Binder.Actors.Tests.Grains;

public interface IReminderGrain : IGrainWithStringKey
{
    Task Remind(string name, TimeSpan period);

    Task Forget(string name);

    /// <summary>Records "holding {key} {gate}" and holds the grain until the test opens the gate.</summary>
    Task Hold(string gate);
}
