namespace Binder.Actors.Tests.Grains;

public interface IReminderGrain : IGrainWithStringKey
{
    Task Remind(string name, TimeSpan period);

    Task Forget(string name);
}
