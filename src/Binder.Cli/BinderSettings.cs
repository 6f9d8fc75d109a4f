using Binder.Build;
using Binder.Build.Buildpacks;
using Binder.Build.Content;
using Binder.Build.Context;
using Binder.Build.Docker;
using Binder.Build.Registry;
using Binder.Build.Run;
using Binder.Server.Hosting;
using Microsoft.Extensions.Configuration;

namespace Binder.Cli;

/// <summary>
/// The configuration of the build engine, from (lowest to highest precedence) the defaults in code,
/// <c>appsettings.json</c> beside the program, the file named by <c>BINDER_CONFIG</c>, environment variables with the
/// <c>BINDER_</c> prefix (<c>BINDER_Buildpacks__BaseImage</c>), and <c>--config Section:Key=value</c> options.
/// </summary>
internal sealed record BinderSettings(
    RepoBuilderOptions Build,
    BuildpackOptions Buildpacks,
    ContentOptions Content,
    BuildContextOptions BuildContext,
    DockerOptions Docker,
    RegistryOptions Registry,
    RunOptions Run)
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

    public static BinderSettings From(IConfiguration configuration)
    {
        var settings = new BinderSettings(
            Bind<RepoBuilderOptions>(configuration, "Build"),
            Bind<BuildpackOptions>(configuration, "Buildpacks"),
            Bind<ContentOptions>(configuration, "Content"),
            Bind<BuildContextOptions>(configuration, "BuildContext"),
            Bind<DockerOptions>(configuration, "Docker"),
            Bind<RegistryOptions>(configuration, "Registry"),
            Bind<RunOptions>(configuration, "Run"));
        settings.Validate();
        return settings;
    }

    /// <summary>Refuses settings that would fail later and less clearly: durations and limits must be positive.</summary>
    private void Validate()
    {
        foreach (var (section, options) in new (string, object)[]
        {
            ("Build", Build), ("Buildpacks", Buildpacks), ("Content", Content), ("BuildContext", BuildContext),
            ("Docker", Docker), ("Registry", Registry), ("Run", Run),
        })
        {
            foreach (var property in options.GetType().GetProperties())
            {
                var value = property.GetValue(options);
                if (value is TimeSpan duration && duration <= TimeSpan.Zero)
                {
                    throw new SettingsException($"{section}:{property.Name} is {duration}; it must be a positive duration such as 00:05:00.");
                }
                if (property.Name.StartsWith("Max", StringComparison.Ordinal) && value is int or long && Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) <= 0)
                {
                    throw new SettingsException($"{section}:{property.Name} is {value}; it must be a positive number.");
                }
            }
        }
        if (Run.Port is < 0 or > 65535)
        {
            throw new SettingsException($"Run:Port is {Run.Port}; give a TCP port from 1 to 65535, or 0 for a free one.");
        }
        try
        {
            BuildpackOptionsValidator.ThrowIfInvalid(Buildpacks);
        }
        catch (BinderBuildException e)
        {
            throw new SettingsException(e.Message);
        }
    }

    private static T Bind<T>(IConfiguration configuration, string section) where T : new()
    {
        var options = new T();
        try
        {
            ConfigurationBinding.Bind(configuration.GetSection(section), options);
        }
        catch (InvalidOperationException e)
        {
            throw new SettingsException($"The configuration section '{section}' is invalid: {e.Message}");
        }
        return options;
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
