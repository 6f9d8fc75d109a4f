namespace Binder.Actors;

/// <summary>A grain timer; dispose it to stop it.</summary>
public interface IGrainTimer : IDisposable
{
    /// <summary>Changes the due time and period; the next tick comes after <paramref name="dueTime"/>.</summary>
    void Change(TimeSpan dueTime, TimeSpan period);
}
