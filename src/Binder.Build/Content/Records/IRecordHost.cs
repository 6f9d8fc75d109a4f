namespace Binder.Build.Content.Records;

/// <summary>One record host (repo2docker's content provider of that name): how its records resolve and download.</summary>
internal interface IRecordHost
{
    /// <summary>The host's name in a <see cref="RecordReference"/> and the service's provider prefix, e.g. <c>zenodo</c>.</summary>
    string Name { get; }

    /// <summary>The name shown to people, e.g. <c>Zenodo</c>.</summary>
    string DisplayName { get; }

    /// <summary>Whether <paramref name="uri"/> is a record page of this host (where its DOIs land, or a URL people copy).</summary>
    bool IsRecordPage(Uri uri);

    /// <summary>Whether resolving a DOI may pass through <paramref name="uri"/> on its way to this host.</summary>
    bool MayPass(Uri uri);

    /// <summary>Resolves the host's own spec (a DOI; for HydroShare a resource id) to a version of the record.</summary>
    /// <exception cref="ContentException">Not found (kind Repository) or the host could not be reached (kind Unavailable).</exception>
    Task<ResolvedRecord> ResolveAsync(string spec, CancellationToken cancellationToken);

    /// <summary>Resolves a record page (<see cref="IsRecordPage"/>) reached from <paramref name="doi"/>, or given as it is when null.</summary>
    Task<ResolvedRecord> ResolvePageAsync(Uri page, string? doi, CancellationToken cancellationToken);

    /// <summary>Puts the record's files into <paramref name="directory"/> (an empty directory), reporting each step.</summary>
    /// <exception cref="RecordContentException">Too large, too many files, or an archive that would write outside the directory.</exception>
    Task DownloadAsync(RecordReference record, string directory, Action<string> progress, CancellationToken cancellationToken);
}
