namespace Binder.Cli.Output;

/// <summary>One line of <c>--json-logs</c>: the shape BinderHub forwards to its clients.</summary>
internal sealed record JsonLogLine(string Phase, string Message, string? ImageName = null, string? Url = null, string? Token = null);
