using Binder.Build.Content.Records;

namespace Binder.Build.Tests.Support;

/// <summary>
/// The record hosts (doi.org, Zenodo, Figshare, Dataverse, HydroShare) played by one loopback <see cref="ApiStandIn"/>,
/// with the documented API shapes named at each route; shared by the build engine's, the service's and the command
/// line's tests.
/// </summary>
public static class RecordStandIns
{
    /// <summary>The concept DOI <see cref="ServeZenodo"/> serves; it lands on record <see cref="ZenodoRecord"/>.</summary>
    public const string ZenodoConceptDoi = "10.5281/zenodo.3242073";

    /// <summary>The Zenodo record (latest version) behind <see cref="ZenodoConceptDoi"/>.</summary>
    public const string ZenodoRecord = "3242074";

    /// <summary>Every record host and the DOI resolver (at <c>/doi</c>) on <paramref name="api"/>.</summary>
    public static RecordOptions OptionsFor(ApiStandIn api) => new()
    {
        DoiResolverUrl = api.Url + "/doi",
        ZenodoUrl = api.Url,
        FigshareUrl = api.Url,
        FigshareApiUrl = api.Url + "/v2",
        HydroShareUrl = api.Url,
        DataverseInstallations = [api.Url],
    };

    /// <summary>The same hosts as <c>binder build --config</c> options.</summary>
    public static string[] ConfigFor(ApiStandIn api)
    {
        var options = OptionsFor(api);
        return
        [
            "--config", $"Providers:Records:DoiResolverUrl={options.DoiResolverUrl}", "--config", $"Providers:Records:ZenodoUrl={options.ZenodoUrl}",
            "--config", $"Providers:Records:FigshareUrl={options.FigshareUrl}", "--config", $"Providers:Records:FigshareApiUrl={options.FigshareApiUrl}",
            "--config", $"Providers:Records:HydroShareUrl={options.HydroShareUrl}", "--config", $"Providers:Records:DataverseInstallations:0={api.Url}",
        ];
    }

    /// <summary>
    /// Zenodo: the concept DOI redirects to the latest record page; GET /api/records/{id} (the records API's
    /// legacy-compatible serialisation) is {"id", "doi", "metadata": {...}, "files": [{"key", "size", "checksum",
    /// "links": {"self": download URL}}]}.
    /// </summary>
    public static void ServeZenodo(ApiStandIn api, params (string Key, byte[] Bytes)[] files)
    {
        api.Map($"/doi/{ZenodoConceptDoi}", StandInResponse.Redirect($"{api.Url}/records/{ZenodoRecord}"));
        api.Map($"/doi/10.5281/zenodo.{ZenodoRecord}", StandInResponse.Redirect($"{api.Url}/records/{ZenodoRecord}"));
        api.Map($"/records/{ZenodoRecord}", new StandInResponse(200, "<html>record page</html>", "text/html"));
        var list = string.Join(",", files.Select(f =>
            $$$"""{"id": "{{{Guid.NewGuid()}}}", "key": "{{{f.Key}}}", "size": {{{f.Bytes.Length}}}, "checksum": "md5:0", "links": {"self": "{{{api.Url}}}/api/records/{{{ZenodoRecord}}}/files/{{{Uri.EscapeDataString(f.Key)}}}/content"}}"""));
        api.Map($"/api/records/{ZenodoRecord}", StandInResponse.Json($$"""
            {"id": {{ZenodoRecord}}, "doi": "10.5281/zenodo.{{ZenodoRecord}}", "conceptdoi": "{{ZenodoConceptDoi}}",
             "metadata": {"title": "Binder demo", "version": "1.0"}, "files": [{{list}}]}
            """));
        foreach (var (key, bytes) in files)
        {
            api.Map($"/api/records/{ZenodoRecord}/files/{Uri.EscapeDataString(key)}/content", StandInResponse.Binary(bytes));
        }
    }
}
