namespace Binder.Server.Build;

/// <summary>One <c>/build/&lt;provider&gt;/&lt;spec&gt;</c> request as the flow needs it (no HTTP objects past the endpoint).</summary>
/// <param name="Provider">The provider prefix.</param>
/// <param name="Spec">The spec exactly as in the request path (still %-escaped: <c>git</c> and <c>gl</c> specs carry escaped URLs).</param>
/// <param name="BuildOnly">Whether <c>build_only=true</c> was asked.</param>
/// <param name="ClientAddress">The client's address, for bans, logs and metrics.</param>
internal sealed record BuildRequest(string Provider, string Spec, bool BuildOnly, System.Net.IPAddress? ClientAddress);
