using System.Net;
using Binder.Build.Run;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Binder.Grains.Benchmarks;

/// <summary>A silo in this process on localhost clustering; with <paramref name="primary"/> it joins that silo's cluster.</summary>
internal sealed class BenchSilo(IHost host, IPEndPoint endpoint) : IAsyncDisposable
{
    public IGrainFactory Grains => host.Services.GetRequiredService<IGrainFactory>();

    public IPEndPoint Endpoint => endpoint;

    public static async Task<BenchSilo> StartAsync(string name, BenchSilo? primary = null)
    {
        var (siloPort, gatewayPort) = FreePorts.Pair(IPAddress.Loopback, IPAddress.Loopback);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, primary?.Endpoint, serviceId: "bench", clusterId: "bench");
            silo.Configure<Orleans.Configuration.SiloOptions>(o => o.SiloName = name);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new BenchSilo(host, new IPEndPoint(IPAddress.Loopback, siloPort));
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
