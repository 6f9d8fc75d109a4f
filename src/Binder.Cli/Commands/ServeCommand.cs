using System.CommandLine;
using Binder.Build;
using Binder.Server;
using Binder.Server.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Binder.Cli.Commands;

/// <summary>
/// <c>binder serve</c>: the Binder service on this machine (BinderHub's API and pages, the grains, the session proxy)
/// until Ctrl-C or SIGTERM, then a clean stop: grains deactivated, an owned proxy stopped.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var urls = new Option<string?>("--urls") { Description = "Where to listen, e.g. http://0.0.0.0:8585 (Server:Urls; default http://127.0.0.1:8585)" };
        var role = new Option<string?>("--role")
        {
            Description = "What this process runs (Server:Role): all (the default: front end and silo), silo (the grains beside this node's Docker daemon; "
                + "/health and /metrics only) or frontend (the HTTP front end, an Orleans client of the silos)",
        };
        var command = new Command("serve", "Run the Binder service: launch links, the build event API, sessions (Ctrl-C stops it). "
            + "Settings: --config Section:Key=value, --Section:Key=value, BINDER_Section__Key variables, appsettings.json.")
        {
            urls, role,
        };
        // `--Server:ApiOnly=true` and the like go to the configuration as the host's own command line.
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var settings = BinderSettings.ParseOverrides(parse.GetValue(BinderCommandLine.Config) ?? []).ToList();
                if (parse.GetValue(urls) is { Length: > 0 } listen)
                {
                    // --urls wins over a --config Server:Urls (a key twice would make the configuration refuse both).
                    settings.RemoveAll(pair => string.Equals(pair.Key, "Server:Urls", StringComparison.OrdinalIgnoreCase));
                    settings.Add(KeyValuePair.Create("Server:Urls", (string?)listen));
                }
                if (parse.GetValue(role) is { } chosen)
                {
                    // One source of truth: --role is Server:Role, validated with the other settings.
                    settings.RemoveAll(pair => string.Equals(pair.Key, "Server:Role", StringComparison.OrdinalIgnoreCase));
                    settings.Add(KeyValuePair.Create("Server:Role", (string?)chosen));
                }
                var verbose = parse.GetValue(BinderCommandLine.Verbose);
                await using var app = BinderServer.Build([.. parse.UnmatchedTokens], settings, builder =>
                {
                    builder.Logging.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information);
                    builder.Logging.AddFilter("Microsoft", verbose ? LogLevel.Information : LogLevel.Warning);
                    if (verbose)
                    {
                        builder.Logging.AddFilter("Orleans", LogLevel.Information);
                        builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Information);
                        builder.Logging.AddFilter("Polly", LogLevel.Information);
                    }
                    // A failed start is printed as one sentence below; the host's own report is a stack trace.
                    builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", verbose ? LogLevel.Information : LogLevel.None);
                    builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
                    builder.Services.AddSingleton<IHostLifetime, CommandLineLifetime>();
                });
                return await RunAsync(app, stdout, cancellationToken).ConfigureAwait(false);
            }
            catch (BinderBuildException e)
            {
                await stderr.WriteLineAsync("binder: " + e.Message.TrimEnd()).ConfigureAwait(false);
                return e.ExitCode;
            }
            catch (Binder.Server.Hosting.DataDirectoryInUseException e)
            {
                await stderr.WriteLineAsync("binder: " + e.Message).ConfigureAwait(false);
                return ExitCodes.BadInput;
            }
            catch (Binder.Server.Hosting.BackendUnavailableException e)
            {
                // The message names the setting (Silo:Redis:ConnectionString...), never its value.
                await stderr.WriteLineAsync("binder: " + e.Message).ConfigureAwait(false);
                return ExitCodes.BadInput;
            }
            catch (Binder.Hub.Launch.SessionNetworkException e)
            {
                // The message names the setting (a subnet the daemon refuses, a network of that name that is not Binder's).
                await stderr.WriteLineAsync("binder: " + e.Message.TrimEnd()).ConfigureAwait(false);
                return ExitCodes.BadInput;
            }
            catch (OptionsValidationException e)
            {
                await stderr.WriteLineAsync("binder: the configuration is invalid: " + string.Join(" ", e.Failures)).ConfigureAwait(false);
                return ExitCodes.BadInput;
            }
            catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException || e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
            {
                await stderr.WriteLineAsync($"binder: cannot listen: {e.Message} Choose another address with --urls or Server:Urls.").ConfigureAwait(false);
                return ExitCodes.BadInput;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped while starting.
                return 130;
            }
            catch (Exception e)
            {
                await stderr.WriteLineAsync($"binder: the service could not start ({e.GetType().Name}): {Binder.Build.Content.GitCli.Redact(e.Message)} Run again with --verbose for details.").ConfigureAwait(false);
                if (parse.GetValue(BinderCommandLine.Verbose)) await stderr.WriteLineAsync(Binder.Build.Content.GitCli.Redact(e.ToString())).ConfigureAwait(false);
                return ExitCodes.Error;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(WebApplication app, TextWriter stdout, CancellationToken cancellationToken)
    {
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var server = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value;
        var role = ServerRoles.Find(server.Role);
        var proxy = app.Services.GetService<Binder.Hub.Launch.IProxyClient>();
        var operatorUrls = role == ServerRoles.Silo ? [] : server.OperatorUrlEntries;
        var operatorPorts = operatorUrls.Select(ServerOptionsValidator.PortOf).ToHashSet();
        var frontEnd = addresses.Where(a => !operatorPorts.Contains(ServerOptionsValidator.PortOf(a)));
        var operatorPages = operatorUrls.Count == 0 ? "" : $"; operator pages at {string.Join(", ", operatorUrls.Select(u => u.TrimEnd('/') + "/operator"))}";
        var banner = role switch
        {
            ServerRoles.Silo => $"Binder is serving at {string.Join(", ", frontEnd)} as a silo of node {app.Services.GetRequiredService<SiloHostOptions>().NodeName} (/health and /metrics only; this node's sessions at {proxy!.PublicUrl})",
            ServerRoles.Frontend => $"Binder is serving at {app.Services.GetRequiredService<Binder.Server.Configuration.PublicAddresses>().LaunchHost} as a front end of cluster {app.Services.GetRequiredService<SiloHostOptions>().ClusterId} (listening on {string.Join(", ", frontEnd)}{operatorPages})",
            _ => $"Binder is serving at {server.PublicBaseUrl(proxy!.PublicUrl)} (front end listening on {string.Join(", ", frontEnd)}; sessions at {proxy.PublicUrl}{operatorPages})",
        };
        await stdout.WriteLineAsync(banner + ". Press Ctrl-C to stop.").ConfigureAwait(false);
        var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C, SIGTERM, or the host stopping itself: all end the same way.
        }
        await stdout.WriteLineAsync("Stopping Binder: deactivating grains and stopping the proxy it started (session containers are kept and taken back at the next start).").ConfigureAwait(false);
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await stdout.WriteLineAsync("Binder stopped.").ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}
