using Binder.Actors.Tests.Grains;
using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Reminders;

public sealed class ReminderTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AReminderStoredInSqliteReactivatesItsGrainAfterASiloRestart()
    {
        var directory = Directory.CreateTempSubdirectory("binder-reminders-").FullName;
        try
        {
            var path = Path.Combine(directory, "reminders.db");
            void Configure(SiloBuilder b) => b.UseSqliteReminders(path)
                .Configure(new ReminderOptions { MinimumPeriod = TimeSpan.FromMilliseconds(100), RefreshPeriod = TimeSpan.FromSeconds(1) });

            var before = new Probe();
            await using (var silo = await TestSilos.StartAsync(before, Configure))
            {
                await silo.GrainFactory.GetGrain<IReminderGrain>("r").Remind("wake", TimeSpan.FromMilliseconds(300));
                await before.WaitFor("tick r wake", Patience);
            }

            var after = new Probe();
            await using (var silo = await TestSilos.StartAsync(after, Configure))
            {
                // Nothing calls the grain in the new silo: only the stored reminder can activate it.
                await after.WaitFor("tick r wake", Patience);
                Assert.Contains(silo.GetActivationIds(), id => id.EndsWith("IReminderGrain/r", StringComparison.Ordinal));
                await silo.GrainFactory.GetGrain<IReminderGrain>("r").Forget("wake");
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task AReminderStoredInPostgresReactivatesItsGrainAfterASiloRestart()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        void Configure(SiloBuilder b) => b.UsePostgresReminders(database.ConnectionString)
            .Configure(new ReminderOptions { MinimumPeriod = TimeSpan.FromMilliseconds(100), RefreshPeriod = TimeSpan.FromSeconds(1) });

        await using (var silo = await TestSilos.StartAsync(new Probe(), Configure))
        {
            await silo.GrainFactory.GetGrain<IReminderGrain>("p").Remind("wake", TimeSpan.FromMilliseconds(300));
        }

        var after = new Probe();
        await using (var silo = await TestSilos.StartAsync(after, Configure))
        {
            await after.WaitFor("tick p wake", Patience);
        }

        Assert.Equal(1, await database.ScalarAsync("SELECT count(*) FROM actor_reminders"));
    }

    [Fact]
    public async Task APeriodBelowTheMinimumIsRejectedWithAnExplanation()
    {
        await using var silo = await TestSilos.StartAsync(new Probe());

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => silo.GrainFactory.GetGrain<IReminderGrain>("short").Remind("fast", TimeSpan.FromSeconds(1)));

        Assert.Contains("use a grain timer", error.Message);
    }
}
