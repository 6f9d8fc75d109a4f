using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Binder.Orleans.Sqlite;

/// <summary>Registers the SQLite grain storage and reminder table of the embedded backend on a silo.</summary>
public static class SqliteStorageSiloBuilderExtensions
{
    /// <summary>
    /// Adds a named grain storage provider on a SQLite file, serialising state with the silo's
    /// <see cref="IGrainStorageSerializer"/> (Binder uses System.Text.Json).
    /// </summary>
    /// <param name="builder">The silo.</param>
    /// <param name="name">The provider's name, as grains name it in <c>[PersistentState]</c>.</param>
    /// <param name="configure">Sets the file.</param>
    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder builder, string name, Action<SqliteStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        builder.Services.AddOptions<SqliteStorageOptions>(name).Configure(configure);
        builder.Services.AddGrainStorage(name, (services, key) => new SqliteGrainStorage(
            key,
            services.GetRequiredService<IOptionsMonitor<SqliteStorageOptions>>().Get(key),
            services.GetRequiredService<IGrainStorageSerializer>(),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetRequiredService<ILogger<SqliteGrainStorage>>()));
        return builder;
    }

    /// <summary>Keeps the silo's reminders in a SQLite file.</summary>
    /// <param name="builder">The silo.</param>
    /// <param name="configure">Sets the file.</param>
    public static ISiloBuilder UseSqliteReminderService(this ISiloBuilder builder, Action<SqliteStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddReminders();
        builder.Services.AddOptions<SqliteStorageOptions>().Configure(configure);
        builder.Services.AddSingleton<IReminderTable, SqliteReminderTable>();
        return builder;
    }
}
