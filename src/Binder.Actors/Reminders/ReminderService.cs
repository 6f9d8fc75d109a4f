using System.Collections.Concurrent;
using Binder.Actors.Runtime;
using Microsoft.Extensions.Logging;

namespace Binder.Actors.Reminders;

/// <summary>Keeps a local timer for each stored reminder this silo owns and delivers ticks as grain calls (which
/// activate the grain if needed). In a cluster a reminder is owned by the silo its grain hashes to among live silos.</summary>
internal sealed partial class ReminderService(GrainRuntime runtime)
{
    private readonly ConcurrentDictionary<(string, string), LocalReminder> _local = new();
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private ITimer? _refresh;

    public IReminderTable? Table { get; set; }

    public ReminderOptions Options { get; set; } = new();

    /// <summary>Whether this silo fires a grain's reminders; replaced in a cluster.</summary>
    public Func<string, bool> Owns { get; set; } = static _ => true;

    private IReminderTable RequireTable() => Table ?? throw new InvalidOperationException(
        "No reminder service is configured: call SiloBuilder.UseInMemoryReminders, UseSqliteReminders or UsePostgresReminders.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Table is null)
        {
            return;
        }

        await RefreshAsync(cancellationToken);
        using (ExecutionContext.SuppressFlow())
        {
            _refresh = runtime.Time.CreateTimer(
                static s => _ = ((ReminderService)s!).RefreshSafelyAsync(), this, Options.RefreshPeriod, Options.RefreshPeriod);
        }
    }

    public async Task StopAsync()
    {
        if (_refresh is not null)
        {
            await _refresh.DisposeAsync();
        }

        foreach (var reminder in _local.Values)
        {
            reminder.Timer.Dispose();
        }

        _local.Clear();
    }

    public async Task<IGrainReminder> RegisterAsync(GrainId grain, string name, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (period < Options.MinimumPeriod)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period,
                $"Reminder '{name}' of grain {grain} has period {period}, below the minimum {Options.MinimumPeriod}; use a grain timer for short periods or lower ReminderOptions.MinimumPeriod.");
        }

        var entry = new ReminderEntry(grain.ToString(), name, runtime.Time.GetUtcNow() + dueTime, period);
        await RequireTable().UpsertAsync(entry, CancellationToken.None);
        if (Owns(entry.GrainId))
        {
            Schedule(entry);
        }

        return entry;
    }

    public async Task UnregisterAsync(GrainId grain, string name)
    {
        await RequireTable().RemoveAsync(grain.ToString(), name, CancellationToken.None);
        if (_local.TryRemove((grain.ToString(), name), out var local))
        {
            local.Timer.Dispose();
        }
    }

    public async Task<IGrainReminder?> GetAsync(GrainId grain, string name) =>
        await RequireTable().ReadAsync(grain.ToString(), name, CancellationToken.None);

    private async Task RefreshSafelyAsync()
    {
        try
        {
            await RefreshAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.RefreshFailed(runtime.Logger, e);
        }
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (Table is null || runtime.IsStopping)
        {
            return;
        }

        await _refreshGate.WaitAsync(cancellationToken);
        try
        {
            var entries = await Table.ReadAllAsync(cancellationToken);
            var wanted = entries.Where(e => Owns(e.GrainId)).ToDictionary(e => (e.GrainId, e.Name));
            foreach (var (key, local) in _local)
            {
                if (!wanted.TryGetValue(key, out var entry) || entry != local.Entry)
                {
                    if (_local.TryRemove(new KeyValuePair<(string, string), LocalReminder>(key, local)))
                    {
                        local.Timer.Dispose();
                    }
                }
            }

            foreach (var entry in wanted.Values)
            {
                if (!_local.ContainsKey((entry.GrainId, entry.Name)))
                {
                    Schedule(entry);
                }
            }
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    private void Schedule(ReminderEntry entry)
    {
        if (runtime.IsStopping)
        {
            return;
        }

        var now = runtime.Time.GetUtcNow();
        TimeSpan due;
        if (entry.StartAt > now)
        {
            due = entry.StartAt - now;
        }
        else
        {
            var elapsed = (now - entry.StartAt).Ticks % entry.Period.Ticks;
            due = TimeSpan.FromTicks(entry.Period.Ticks - elapsed);
        }

        var local = new LocalReminder(entry) { Service = this };
        // Schedule runs inside the grain call that registers the reminder: the timer must not capture that call's
        // execution context, or every tick would carry its call chain and look like a call loop.
        using (ExecutionContext.SuppressFlow())
        {
            local.Timer = runtime.Time.CreateTimer(static s => ((LocalReminder)s!).Service!.Tick((LocalReminder)s), local, due, entry.Period);
        }
        if (_local.TryGetValue((entry.GrainId, entry.Name), out var previous))
        {
            previous.Timer.Dispose();
        }

        _local[(entry.GrainId, entry.Name)] = local;
    }

    private void Tick(LocalReminder reminder)
    {
        if (runtime.IsStopping)
        {
            return;
        }

        var entry = reminder.Entry;
        var target = (IRemindable)runtime.GetReference(typeof(IRemindable), GrainId.Parse(entry.GrainId));
        var status = new TickStatus(entry.StartAt, entry.Period, runtime.Time.GetUtcNow());
        _ = DeliverAsync(target, entry, status);
    }

    private async Task DeliverAsync(IRemindable target, ReminderEntry entry, TickStatus status)
    {
        try
        {
            await target.ReceiveReminder(entry.Name, status);
        }
        catch (Exception e)
        {
            Log.TickFailed(runtime.Logger, entry.Name, entry.GrainId, e);
        }
    }

    private sealed class LocalReminder(ReminderEntry entry)
    {
        public ReminderEntry Entry { get; } = entry;

        public ITimer Timer { get; set; } = null!;

        public ReminderService? Service { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the reminder table failed; retrying at the next refresh")]
        public static partial void RefreshFailed(ILogger logger, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Reminder {Name} of grain {Grain} failed to deliver")]
        public static partial void TickFailed(ILogger logger, string name, string grain, Exception exception);
    }
}
