using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Grains;

public sealed class ReminderGrain(Probe probe) : Grain, IReminderGrain, IRemindable
{
    public async Task Remind(string name, TimeSpan period) => await RegisterOrUpdateReminder(name, period, period);

    public async Task Forget(string name)
    {
        var reminder = await GetReminder(name);
        if (reminder is not null)
        {
            await UnregisterReminder(reminder);
        }
    }

    public async Task Hold(string gate)
    {
        probe.Record($"holding {GetPrimaryKeyString()} {gate}");
        await probe.Gate(gate);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        probe.Record($"tick {GetPrimaryKeyString()} {reminderName}");
        return Task.CompletedTask;
    }
}
