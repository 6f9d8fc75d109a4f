using System.Text.Json.Serialization;
using Binder.Cli.Commands;
using Binder.Cli.Output;

namespace Binder.Cli;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DetectOutput))]
[JsonSerializable(typeof(LintOutput))]
[JsonSerializable(typeof(InspectOutput))]
[JsonSerializable(typeof(JsonLogLine))]
internal sealed partial class CliJson : JsonSerializerContext;
