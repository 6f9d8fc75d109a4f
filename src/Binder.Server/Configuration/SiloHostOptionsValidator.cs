using Microsoft.Extensions.Options;

namespace Binder.Server.Configuration;

/// <summary>Checks <see cref="SiloHostOptions"/> at start, every problem with its key.</summary>
internal sealed class SiloHostOptionsValidator : IValidateOptions<SiloHostOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.NodeName) || options.NodeName.Any(char.IsWhiteSpace))
            errors.Add($"Silo:NodeName '{options.NodeName}' must be a name without spaces, e.g. node-1 (the machine name by default).");
        if (options.Port is < 0 or > 65535)
            errors.Add($"Silo:Port is {options.Port}; give a TCP port from 1 to 65535, or 0 for a free one.");
        if (options.GatewayPort is < 0 or > 65535)
            errors.Add($"Silo:GatewayPort is {options.GatewayPort}; give a TCP port from 1 to 65535, or 0 for no gateway.");
        if (options.Port != 0 && options.Port == options.GatewayPort)
            errors.Add($"Silo:Port and Silo:GatewayPort are both {options.Port}; give them different ports.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
