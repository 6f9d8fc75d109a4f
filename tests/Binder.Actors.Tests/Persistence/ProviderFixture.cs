using Binder.Actors.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Binder.Actors.Tests.Persistence;

/// <summary>One storage back end (memory, a SQLite file in a temp directory, or a PostgreSQL schema) that several
/// silos in a test can share.</summary>
internal sealed class ProviderFixture : IAsyncDisposable
{
    private readonly string _kind;
    private readonly string? _directory;
    private readonly PostgresTestDatabase? _postgres;
    private readonly IGrainStorage _sharedMemory;
    private readonly Silo _storageOwner;

    private ProviderFixture(string kind, string? directory, PostgresTestDatabase? postgres, Silo storageOwner)
    {
        _kind = kind;
        _directory = directory;
        _postgres = postgres;
        _storageOwner = storageOwner;
        _sharedMemory = storageOwner.Services.GetRequiredKeyedService<IGrainStorage>("Default");
    }

    public IGrainStorage Storage => _sharedMemory;

    public static async Task<ProviderFixture> CreateAsync(string kind)
    {
        string? directory = null;
        PostgresTestDatabase? postgres = null;
        if (kind == "sqlite")
        {
            directory = Directory.CreateTempSubdirectory("binder-actors-").FullName;
        }
        else if (kind == "postgres")
        {
            postgres = await PostgresTestDatabase.CreateAsync();
        }

        var fixture = new ProviderFixture(kind, directory, postgres, BuildOwner(kind, directory, postgres));
        return await Task.FromResult(fixture);
    }

    private static Silo BuildOwner(string kind, string? directory, PostgresTestDatabase? postgres)
    {
        var builder = new SiloBuilder();
        Add(builder, kind, directory, postgres, null);
        return builder.Build();
    }

    private static void Add(SiloBuilder builder, string kind, string? directory, PostgresTestDatabase? postgres, IGrainStorage? memory)
    {
        switch (kind)
        {
            case "memory" when memory is not null:
                builder.Services.AddKeyedSingleton("Default", memory);
                break;
            case "memory":
                builder.AddMemoryGrainStorage();
                break;
            case "sqlite":
                builder.AddSqliteGrainStorage("Default", Path.Combine(directory!, "state.db"));
                break;
            default:
                builder.AddPostgresGrainStorage("Default", postgres!.ConnectionString);
                break;
        }
    }

    /// <summary>Points a silo's default storage at this back end (replacing the test default).</summary>
    public void Configure(SiloBuilder builder)
    {
        var existing = builder.Services.Where(d => d.IsKeyedService && Equals(d.ServiceKey, "Default") && d.ServiceType == typeof(IGrainStorage)).ToList();
        foreach (var descriptor in existing)
        {
            builder.Services.Remove(descriptor);
        }

        Add(builder, _kind, _directory, _postgres, _sharedMemory);
    }

    public async ValueTask DisposeAsync()
    {
        await _storageOwner.DisposeAsync();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
