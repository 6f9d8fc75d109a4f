using Binder.Server.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Binder.Server.Tests.Hosting;

/// <summary>
/// The data directory is private to the service's user and owned by one running service: its socket, the proxy's
/// token, output and preload script are readable by nobody else, and a second service on it is refused.
/// </summary>
public sealed class DataDirectoryTests
{
    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task The_data_directory_the_socket_and_the_proxys_token_output_and_script_are_private_to_this_user()
    {
        using var parent = new TempDirectory("binder-data-modes");
        var data = Path.Combine(parent.Path, "data");
        // An existing directory others can enter, as an older Binder (or mkdir) left it.
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, Owner | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Server:DataDirectory"] = data });

        Assert.Equal(Owner, File.GetUnixFileMode(data));
        Assert.Equal(Owner, File.GetUnixFileMode(Path.Combine(data, "run")));
        var socket = Path.Combine(data, "run", "frontend.sock");
        Assert.True(UnixFileStatus.Of(socket) is { IsSocket: true }, "the front end's socket is not at <data>/run/frontend.sock");
        Assert.Equal(OwnerReadWrite, UnixFileStatus.Of(socket)!.Value.Permissions);
        foreach (var file in new[] { "proxy.json", "proxy.log", "proxy-preload.mjs", DataDirectory.LockFileName })
        {
            Assert.True(File.GetUnixFileMode(Path.Combine(data, file)) == OwnerReadWrite, $"{file} has mode {File.GetUnixFileMode(Path.Combine(data, file))}");
        }
        Assert.Contains($"'{data}' had mode 755, so other users could enter it; it is now 0700", app.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_opening_of_a_locked_data_directory_is_refused_naming_the_holder_and_allowed_once_it_is_released()
    {
        using var parent = new TempDirectory("binder-data-lock");
        var first = new DataDirectory(parent.Path).Open(NullLogger.Instance);

        var refused = Assert.Throws<DataDirectoryInUseException>(() => new DataDirectory(parent.Path).Open(NullLogger.Instance));
        first.Dispose();
        using var after = new DataDirectory(parent.Path).Open(NullLogger.Instance);

        Assert.Equal(Environment.ProcessId, refused.HolderPid);
        Assert.Equal($"Another binder serve (pid {Environment.ProcessId}) uses data directory {parent.Path}; stop it or set Server:DataDirectory to another directory.", refused.Message);
    }

    [Fact]
    public async Task A_file_that_is_not_a_socket_at_the_front_ends_socket_path_is_refused_and_left_alone()
    {
        using var parent = new TempDirectory("binder-data-socket");
        var notSocket = parent.Write("notes.txt", "keep me");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Proxy:FrontEndSocket"] = notSocket }));

        Assert.Contains($"Proxy:FrontEndSocket '{notSocket}' exists and is not a unix socket", error.Message, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(notSocket));
    }
}
