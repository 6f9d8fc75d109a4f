using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Binder.Actors.Cluster;

/// <summary>The server side of silo-to-silo calls: Kestrel speaking cleartext HTTP/2 (prior knowledge).</summary>
internal sealed class SiloEndpoint(WebApplication app, int port) : IAsyncDisposable
{
    public int Port { get; } = port;

    public static async Task<SiloEndpoint> StartAsync(string listenUrl, ClusterMember member, CancellationToken cancellationToken)
    {
        var uri = new Uri(listenUrl);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            kestrel.Listen(ParseAddress(uri.Host), uri.Port, listen => listen.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        app.Run(context => context.Request.Path.Value switch
        {
            "/actors/call" => member.ServeCallAsync(context),
            "/actors/stream" => member.ServeStreamAsync(context),
            "/actors/stats" => member.ServeStatisticsAsync(context),
            _ => NotFound(context),
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SiloEndpoint(app, new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal)).Port);
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private static IPAddress ParseAddress(string host) => host switch
    {
        "0.0.0.0" or "*" or "+" => IPAddress.Any,
        "localhost" => IPAddress.Loopback,
        _ => IPAddress.TryParse(host.Trim('[', ']'), out var ip)
            ? ip
            : throw new ArgumentException($"ClusterOptions.ListenUrl host '{host}' must be an IP address, 0.0.0.0 or localhost; put the name other silos use in ClusterOptions.AdvertisedHost."),
    };

    public async ValueTask DisposeAsync()
    {
        using (var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await app.StopAsync(stopping.Token);
        }

        await app.DisposeAsync();
    }
}
