namespace Binder.Build.Content.Records;

/// <summary>Checks a record's API URL before anything is fetched from it.</summary>
internal static class RecordApi
{
    /// <summary>
    /// <paramref name="url"/> when it is on the site at <paramref name="siteUrl"/>. A record reference may come from
    /// stored state or another node; it must not steer a download to a host the configuration does not name.
    /// </summary>
    public static Uri On(string url, string siteUrl, string service) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && Dois.OnSite(uri, siteUrl)
            ? uri
            : throw new ContentException(
                $"The record's download location {RecordHttp.Where(Uri.TryCreate(url, UriKind.Absolute, out var shown) ? shown : null)} is not on {service} as configured ({siteUrl}); resolve the record again.");
}
