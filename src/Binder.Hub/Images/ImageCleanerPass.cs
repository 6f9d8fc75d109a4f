namespace Binder.Hub.Images;

/// <summary>What one pass of the <see cref="ImageCleaner"/> saw and did.</summary>
/// <param name="Path">The directory whose file system was measured.</param>
/// <param name="UsedPercent">Its disk use when the pass began, in percent.</param>
/// <param name="BytesToFree">How much the pass set out to free (0 when the disk was below the high mark).</param>
/// <param name="Removed">The images removed, least recently used first.</param>
/// <param name="Candidates">How many images were Binder's and unused (the ones removable at all).</param>
public sealed record ImageCleanerPass(string Path, double UsedPercent, long BytesToFree, IReadOnlyList<CleanedImage> Removed, int Candidates)
{
    /// <summary>About what the removals freed.</summary>
    public long FreedBytes => Removed.Sum(r => r.Bytes);
}
