namespace Binder.Build.Content.Records;

/// <summary>What one record download may still write: bytes and files, shared by downloads and unpacking.</summary>
internal sealed class DownloadBudget(long maxBytes, int maxFiles)
{
    private long bytes;
    private int files;

    public long Bytes => Interlocked.Read(ref bytes);

    /// <summary>Charges <paramref name="written"/> bytes; <paramref name="announced"/> checks a declared size without charging it.</summary>
    public void Charge(long written, long announced, string name)
    {
        var total = Interlocked.Add(ref bytes, written);
        if (total + announced > maxBytes)
        {
            throw new RecordContentException(
                $"The record is larger than the {maxBytes / (1024 * 1024)} MiB a build may download (at '{name}'); the operator can raise Providers:Records:MaxDownloadBytes.");
        }
    }

    public void CountFile(string name)
    {
        if (Interlocked.Increment(ref files) > maxFiles)
        {
            throw new RecordContentException(
                $"The record has more than {maxFiles} files (at '{name}'); the operator can raise Providers:Records:MaxFiles.");
        }
    }
}
