using Binder.Build;
using Binder.Build.Buildpacks;
using Binder.Build.Content;
using Binder.Build.Context;
using Binder.Build.Docker;
using Binder.Build.Registry;
using Binder.Build.Run;
using Binder.Hub.Hosting;
using Binder.Hub.Providers;
using Binder.Server.Configuration;
using Microsoft.Extensions.Configuration;

namespace Binder.Cli;

/// <summary>
/// The configuration of the build engine, from (lowest to highest precedence) the defaults in code,
/// <c>appsettings.json</c> beside the program, the file named by <c>BINDER_CONFIG</c>, environment variables with the
/// <c>BINDER_</c> prefix (<c>BINDER_Binder__Buildpacks__BaseImage</c>), and <c>--config Section:Key=value</c> options.
/// </summary>
internal sealed record BinderSettings(
    RepoBuilderOptions Build,
    BuildpackOptions Buildpacks,
    ContentOptions Content,
    BuildContextOptions BuildContext,
    DockerOptions Docker,
    RegistryOptions Registry,
    RunOptions Run,
    ProvidersOptions Providers)
{
    public static BinderSettings Load(IEnumerable<string> overrides, IDictionary<string, string?>? environment = null)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        var extra = environment is null ? Environment.GetEnvironmentVariable("BINDER_CONFIG") : environment.TryGetValue("BINDER_CONFIG", out var e) ? e : null;
        if (!string.IsNullOrEmpty(extra))
        {
            if (!File.Exists(extra))
            {
                throw new SettingsException($"BINDER_CONFIG names '{extra}', which does not exist. Point it at a JSON settings file or unset it.");
            }
            builder.AddJsonFile(extra, optional: false);
        }
        if (environment is null) builder.AddEnvironmentVariables("BINDER_");
        else builder.AddInMemoryCollection(environment.Where(p => p.Key.StartsWith("BINDER_", StringComparison.Ordinal))
            .Select(p => KeyValuePair.Create(p.Key["BINDER_".Length..].Replace("__", ":", StringComparison.Ordinal), p.Value)));
        builder.AddInMemoryCollection(ParseOverrides(overrides));
        return From(builder.Build());
    }

    /// <summary>
    /// The build engine's sections, under the names <c>binder serve</c> reads them by (<c>Binder:Build</c>,
    /// <c>Binder:Buildpacks</c>, <c>Binder:Content</c>, <c>Binder:BuildContext</c>, <c>Binder:Docker</c>,
    /// <c>Binder:RegistryAccess</c>, and <c>Providers</c> for the record hosts under <c>Providers:Records</c>), so one
    /// settings file serves both, and <c>Run</c> (<c>binder build --run</c> only).
    /// Bound and checked through the service's <see cref="SettingsReader"/>: every problem listed with its key, a
    /// renamed key (the old top-level <c>Buildpacks:...</c>) refused naming the new one.
    /// </summary>
    public static BinderSettings From(IConfiguration configuration)
    {
        var reader = new SettingsReader(configuration);
        reader.RefuseRenamed();
        var settings = new BinderSettings(
            reader.Bind(Engine("Build"), new PositiveValues<RepoBuilderOptions>(Engine("Build"))),
            reader.Bind(Engine("Buildpacks"), new BuildpackOptionsValidator(Engine("Buildpacks"))),
            reader.Bind(Engine("Content"), new ContentOptionsValidator(Engine("Content"))),
            reader.Bind(Engine("BuildContext"), new PositiveValues<BuildContextOptions>(Engine("BuildContext"))),
            reader.Bind(Engine("Docker"), new PositiveValues<DockerOptions>(Engine("Docker"))),
            reader.Bind(Engine("RegistryAccess"), new PositiveValues<RegistryOptions>(Engine("RegistryAccess"))),
            reader.Bind(RunSection, new RunValues()),
            // The record hosts (Providers:Records) and API time-out are the service's keys: one file configures both.
            reader.Bind(ProvidersOptions.SectionName, new ProvidersOptionsValidator()));
        try
        {
            reader.ThrowIfAny();
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException e)
        {
            throw new SettingsException(string.Join(" ", e.Failures));
        }
        return settings;
    }

    /// <summary>What the build engine's failure messages put before the settings' keys they name.</summary>
    public const string EnginePrefix = BinderHubOptions.SectionName + ":";

    /// <summary>The section of <c>binder build --run</c>'s settings (the service starts sessions with <c>Launch:Docker</c>).</summary>
    public const string RunSection = "Run";

    private static string Engine(string section) => EnginePrefix + section;

    /// <summary>Durations and <c>Max*</c> limits must be positive: anything else would fail later and less clearly.</summary>
    private class PositiveValues<T>(string section) : OptionsValidator<T>(section) where T : class
    {
        protected override IEnumerable<string> Check(T options)
        {
            foreach (var property in typeof(T).GetProperties())
            {
                var value = property.GetValue(options);
                if (value is TimeSpan duration && duration <= TimeSpan.Zero)
                {
                    yield return $"{Section}:{property.Name} is {duration}; it must be a positive duration such as 00:05:00.";
                }
                if (property.Name.StartsWith("Max", StringComparison.Ordinal) && value is int or long && Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) <= 0)
                {
                    yield return $"{Section}:{property.Name} is {value}; it must be a positive number.";
                }
            }
        }
    }

    private sealed class RunValues() : PositiveValues<RunOptions>(RunSection)
    {
        protected override IEnumerable<string> Check(RunOptions options)
        {
            foreach (var problem in base.Check(options)) yield return problem;
            if (options.Port is < 0 or > 65535) yield return $"{Section}:Port is {options.Port}; give a TCP port from 1 to 65535, or 0 for a free one.";
        }
    }

    /// <summary>
    /// The <c>--config Section:Key=value</c> items as configuration pairs. A key given twice takes its last value, as
    /// command lines do (a script adds its own setting after a shared list); configuration keys ignore case.
    /// </summary>
    internal static IReadOnlyList<KeyValuePair<string, string?>> ParseOverrides(IEnumerable<string> overrides)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        foreach (var item in overrides)
        {
            var equals = item.IndexOf('=');
            if (equals <= 0 || !item[..equals].Contains(':'))
            {
                throw new SettingsException($"--config '{item}' is not of the form Section:Key=value (for example Buildpacks:BaseImage=debian:bookworm).");
            }
            var key = item[..equals].Trim();
            pairs.RemoveAll(pair => string.Equals(pair.Key, key, StringComparison.OrdinalIgnoreCase));
            pairs.Add(KeyValuePair.Create(key, (string?)item[(equals + 1)..]));
        }
        return pairs;
    }
}

/// <summary>The configuration is wrong; the message says where.</summary>
internal sealed class SettingsException(string message) : BinderBuildException(message)
{
    public override int ExitCode => ExitCodes.BadInput;
}
