namespace Binder.Build.Docker;

/// <summary>
/// An <see cref="IProgress{T}"/> that runs its callback on the reporting thread, in order. <see cref="Progress{T}"/>
/// posts each report to the thread pool, which reorders a push's progress lines and lets them arrive after the call ends.
/// </summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
