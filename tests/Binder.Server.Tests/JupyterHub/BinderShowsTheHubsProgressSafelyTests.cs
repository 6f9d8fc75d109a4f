using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Binder.Hub.Events;

namespace Binder.Server.Tests.JupyterHub;

/// <summary>
/// <c>Launch:Backend=JupyterHub</c> with a hub whose spawner says what nobody should see in a terminal: an escape
/// sequence, a message of 5,000 characters, one of 100,000 (a progress line longer than Binder reads), then far more
/// messages than a launch shows. The launch page writes each message into xterm.js, so the build stream must carry no
/// control character but the newline, no message over the limit, and a bounded number of them.
/// </summary>
public sealed class BinderShowsTheHubsProgressSafelyTests(BinderShowsTheHubsProgressSafelyTests.Hub hub) : IClassFixture<BinderShowsTheHubsProgressSafelyTests.Hub>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_hubs_progress_reaches_the_build_stream_without_control_characters_cut_to_length_and_count()
    {
        await using var app = await hub.StartBinderAsync(LaunchHub.ServiceToken);

        var events = await hub.LaunchAsync(app, Token);

        var ready = events[^1];
        Assert.True(ready.Phase == BinderPhases.Ready, $"The stream ended with {ready.Phase}: {ready.Message}\n{LaunchHub.Log(events)}\n{hub.Jupyter.Output}\n{app.Log}");
        var messages = events.Select(e => e.Message).ToList();
        // No escape, bell or carriage return of the spawner's reaches the terminal; the newline that ends a message does.
        Assert.All(messages, m => Assert.DoesNotContain(m, c => char.IsControl(c) && c != '\n'));
        Assert.Contains("Test spawner: ?[2J?]0;owned?? colours ?[31mred?[0m?\n", messages);
        // The long message's start, cut; the overlong line not at all.
        Assert.Contains("Test spawner: " + new string('x', 1024 - "Test spawner: ".Length) + "…\n", messages);
        Assert.DoesNotContain(messages, m => m.StartsWith("Test spawner: yyyy", StringComparison.Ordinal));
        Assert.All(messages.Where(m => m.StartsWith("Test spawner: ", StringComparison.Ordinal)), m => Assert.True(m.Length <= 1024 + 2, $"A message of {m.Length} characters was shown"));
        // At most 200 of the hub's messages, then one notice, then none: the spawner's last one never shows.
        var fromTheHub = events.SkipWhile(e => e.Message != "Launching server...\n").Skip(1).SkipLast(1).Select(e => e.Message).ToList();
        Assert.Equal(201, fromTheHub.Count);
        Assert.Equal("… more progress messages of the hub not shown\n", fromTheHub[^1]);
        Assert.DoesNotContain(Hub.Numbered[^1] + "\n", messages);

        using var stop = new HttpRequestMessage(HttpMethod.Delete, $"api/sessions/{LaunchHub.UserOf(ready.Url!)[LaunchHub.UserPrefix.Length..]}");
        stop.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LaunchHub.OperatorSecret);
        using var response = await app.OperatorHttp.SendAsync(stop, Token);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await hub.AssertUserGoneAsync(LaunchHub.UserOf(ready.Url!), Token);
    }

    /// <summary>The class's hub: a spawner that says <see cref="Messages"/> quickly, spawn requests answered with 202.</summary>
    public sealed class Hub : LaunchHub
    {
        internal static readonly string[] Numbered = Enumerable.Range(1, 250).Select(i => $"Test spawner: step {i}").ToArray();

        private static readonly string[] Messages =
        [
            "Test spawner: \u001b[2J\u001b]0;owned\u0007\r colours \u001b[31mred\u001b[0m\u009b",
            "Test spawner: " + new string('x', 5000),
            "Test spawner: " + new string('y', 100_000),
            .. Numbered,
        ];

        protected override string ExtraConfig => $$"""
            c.DockerTestSpawner.progress_messages = {{JsonSerializer.Serialize(Messages)}}
            c.DockerTestSpawner.progress_interval = 0.005
            c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
            """;
    }
}
