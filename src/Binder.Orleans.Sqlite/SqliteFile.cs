using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Binder.Orleans.Sqlite;

/// <summary>
/// One SQLite file whose schema is created on the first connection (in WAL mode, so readers never wait for the
/// writer). The grain storage and the reminder table each hold one.
/// </summary>
internal sealed class SqliteFile
{
    private readonly string _connectionString;
    private readonly string _schema;
    private readonly SemaphoreSlim _init = new(1, 1);
    private volatile bool _initialized;

    public SqliteFile(SqliteStorageOptions options, string schema)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            throw new ArgumentException("The SQLite storage needs a DatabasePath, e.g. /var/lib/binder/orleans.db.", nameof(options));
        }
        Path = System.IO.Path.GetFullPath(options.DatabasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        }.ToString();
        _schema = schema;
    }

    /// <summary>The file's full path (for messages; it holds no secret).</summary>
    public string Path { get; }

    /// <summary>Opens a connection, creating the directory and the schema the first time.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_initialized)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        }
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            if (!_initialized)
            {
                await _init.WaitAsync(cancellationToken);
                try
                {
                    if (!_initialized)
                    {
                        await using var command = connection.CreateCommand();
                        command.CommandText = "PRAGMA journal_mode = WAL;\n" + _schema;
                        await command.ExecuteNonQueryAsync(cancellationToken);
                        _initialized = true;
                    }
                }
                finally
                {
                    _init.Release();
                }
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A version number as the ETag Orleans hands back to us.</summary>
    public static string Etag(long version) => version.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads an ETag this storage wrote, or says that the caller passed a foreign one.</summary>
    public static long ParseEtag(string etag, string what) =>
        long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new ArgumentException($"The ETag '{etag}' of {what} was not written by the SQLite storage; pass the ETag read from it.", nameof(etag));
}
