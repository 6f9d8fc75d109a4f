using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using Binder.Actors.Cluster;
using Binder.Actors.Persistence;
using Binder.Actors.Reminders;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Binder.Actors;

/// <summary>Configures and builds a <see cref="Silo"/>: grain classes, services for grain constructors, storage
/// providers, reminders, call filters and (optionally) a PostgreSQL cluster.</summary>
public sealed class SiloBuilder
{
    private readonly List<(Type Class, TimeSpan? Age)> _grains = [];
    private readonly Dictionary<string, PostgresDatabase> _databases = [];
    private Func<IServiceProvider, IReminderTable>? _reminderTable;

    /// <summary>Services available to grain constructors (and to the runtime: logging, <see cref="TimeProvider"/>).</summary>
    public IServiceCollection Services { get; } = new ServiceCollection();

    internal GrainCollectionOptions CollectionOptions { get; private set; } = new();

    internal ReminderOptions ReminderOptions { get; private set; } = new();

    internal SiloOptions SiloOptions { get; private set; } = new();

    internal ClusterOptions? ClusterOptions { get; private set; }

    internal TimeProvider Time { get; private set; } = TimeProvider.System;

    internal IJsonTypeInfoResolver? JsonResolver { get; private set; }

    /// <summary>Registers a grain class; it serves every grain interface it implements.</summary>
    public SiloBuilder AddGrain<TGrain>() where TGrain : Grain => AddGrain(typeof(TGrain));

    /// <summary>Registers a grain class.</summary>
    public SiloBuilder AddGrain(Type grainClass)
    {
        ArgumentNullException.ThrowIfNull(grainClass);
        _grains.Add((grainClass, null));
        return this;
    }

    /// <summary>Registers every non-abstract <see cref="Grain"/> class of an assembly.</summary>
    public SiloBuilder AddGrains(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        foreach (var type in assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && typeof(Grain).IsAssignableFrom(t)))
        {
            _grains.Add((type, null));
        }

        return this;
    }

    /// <summary>Adds services for grain constructors.</summary>
    public SiloBuilder ConfigureServices(Action<IServiceCollection> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(Services);
        return this;
    }

    /// <summary>Sets identity options.</summary>
    public SiloBuilder Configure(SiloOptions options)
    {
        SiloOptions = options ?? throw new ArgumentNullException(nameof(options));
        return this;
    }

    /// <summary>Sets idle collection and activation lifetime options.</summary>
    public SiloBuilder Configure(GrainCollectionOptions options)
    {
        CollectionOptions = options ?? throw new ArgumentNullException(nameof(options));
        return this;
    }

    /// <summary>Sets reminder options.</summary>
    public SiloBuilder Configure(ReminderOptions options)
    {
        ReminderOptions = options ?? throw new ArgumentNullException(nameof(options));
        return this;
    }

    /// <summary>Uses another clock for timers, reminders and idle collection (tests).</summary>
    public SiloBuilder UseTimeProvider(TimeProvider timeProvider)
    {
        Time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        return this;
    }

    /// <summary>Adds a System.Text.Json resolver (for example a source-generated <c>JsonSerializerContext</c>) that is
    /// consulted before reflection for call arguments, results and state.</summary>
    public SiloBuilder UseJsonTypeInfoResolver(IJsonTypeInfoResolver resolver)
    {
        JsonResolver = resolver ?? throw new ArgumentNullException(nameof(resolver));
        return this;
    }

    /// <summary>Adds an incoming call filter, created from the silo's services.</summary>
    public SiloBuilder AddIncomingGrainCallFilter<TFilter>() where TFilter : class, IIncomingGrainCallFilter
    {
        Services.AddSingleton<IIncomingGrainCallFilter, TFilter>();
        return this;
    }

    /// <summary>Adds an incoming call filter instance.</summary>
    public SiloBuilder AddIncomingGrainCallFilter(IIncomingGrainCallFilter filter)
    {
        Services.AddSingleton(filter);
        return this;
    }

    /// <summary>Adds an in-memory storage provider (state is lost with the process; for tests).</summary>
    public SiloBuilder AddMemoryGrainStorage(string name = PersistentStateFactory.DefaultStorageName)
    {
        Services.AddKeyedSingleton<IGrainStorage>(name, new MemoryGrainStorage());
        return this;
    }

    /// <summary>Adds a storage provider keeping state in a SQLite file (created if missing).</summary>
    public SiloBuilder AddSqliteGrainStorage(string name, string databasePath)
    {
        var connectionString = SqliteConnectionString(databasePath);
        Services.AddKeyedSingleton<IGrainStorage>(name, new SqliteGrainStorage(connectionString));
        return this;
    }

    /// <summary>Adds a storage provider keeping state in PostgreSQL (the table is created if missing).</summary>
    public SiloBuilder AddPostgresGrainStorage(string name, string connectionString)
    {
        var database = Database(connectionString);
        Services.AddKeyedSingleton<IGrainStorage>(name, new PostgresGrainStorage(database));
        return this;
    }

    /// <summary>Keeps reminders in memory (lost with the process; for tests).</summary>
    public SiloBuilder UseInMemoryReminders()
    {
        var table = new MemoryReminderTable();
        _reminderTable = _ => table;
        return this;
    }

    /// <summary>Keeps reminders in a SQLite file.</summary>
    public SiloBuilder UseSqliteReminders(string databasePath)
    {
        var connectionString = SqliteConnectionString(databasePath);
        _reminderTable = _ => new SqliteReminderTable(connectionString);
        return this;
    }

    /// <summary>Keeps reminders in PostgreSQL.</summary>
    public SiloBuilder UsePostgresReminders(string connectionString)
    {
        var database = Database(connectionString);
        _reminderTable = _ => new PostgresReminderTable(database);
        return this;
    }

    /// <summary>Joins a cluster whose membership and grain directory live in PostgreSQL; silos call each other over
    /// HTTP/2 on <see cref="ClusterOptions.ListenUrl"/>.</summary>
    public SiloBuilder UsePostgresClustering(ClusterOptions options)
    {
        ClusterOptions = options ?? throw new ArgumentNullException(nameof(options));
        Database(options.ConnectionString);
        return this;
    }

    internal PostgresDatabase Database(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        if (!_databases.TryGetValue(connectionString, out var database))
        {
            database = new PostgresDatabase(connectionString);
            _databases[connectionString] = database;
        }

        return database;
    }

    private static string SqliteConnectionString(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    /// <summary>Validates the configuration and builds the silo (not yet started).</summary>
    public Silo Build()
    {
        Validate();
        Services.AddLogging();
        Services.TryAddSingleton(Time);
        return new Silo(this, _grains, _reminderTable, [.. _databases.Values]);
    }

    private void Validate()
    {
        var c = CollectionOptions;
        if (c.CollectionAge <= TimeSpan.Zero || c.CollectionQuantum <= TimeSpan.Zero || c.ActivationTimeout <= TimeSpan.Zero || c.DeactivationTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("GrainCollectionOptions: CollectionAge, CollectionQuantum, ActivationTimeout and DeactivationTimeout must all be positive.");
        }

        if (c.ResponseTimeout <= TimeSpan.Zero && c.ResponseTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("GrainCollectionOptions.ResponseTimeout must be positive, or Timeout.InfiniteTimeSpan to turn it off.");
        }

        if (ReminderOptions.RefreshPeriod <= TimeSpan.Zero || ReminderOptions.MinimumPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentException("ReminderOptions: RefreshPeriod and MinimumPeriod must be positive.");
        }

        if (ClusterOptions is { } cluster)
        {
            if (cluster.HeartbeatPeriod <= TimeSpan.Zero || cluster.DeathTimeout <= cluster.HeartbeatPeriod * 2)
            {
                throw new ArgumentException($"ClusterOptions: DeathTimeout ({cluster.DeathTimeout}) must be more than twice HeartbeatPeriod ({cluster.HeartbeatPeriod}), or healthy silos would be declared dead.");
            }

            if (!Uri.TryCreate(cluster.ListenUrl, UriKind.Absolute, out var listen) || listen.Scheme != Uri.UriSchemeHttp)
            {
                throw new ArgumentException($"ClusterOptions.ListenUrl '{cluster.ListenUrl}' must be an http:// URL such as http://0.0.0.0:11111 (silos speak cleartext HTTP/2).");
            }

            if (cluster.CallTimeout <= TimeSpan.Zero)
            {
                throw new ArgumentException("ClusterOptions.CallTimeout must be positive.");
            }
        }
    }
}
