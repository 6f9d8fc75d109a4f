using Binder.Actors.Runtime;

namespace Binder.Actors.Timers;

/// <summary>One tick of a grain timer, scheduled like a call. <see cref="Generation"/> is the timer's change count
/// when the tick fired.</summary>
internal sealed class TimerTick(GrainTimer timer, GrainId target, int generation) : Request(null, target, [], null)
{
    public GrainTimer Timer => timer;

    public int Generation => generation;

    public override bool CountsAsActivity => timer.Options.KeepAlive;

    public override bool AlwaysInterleaves => timer.Options.Interleave;

    public override Task Invoke(Activation activation) => timer.InvokeCallback();

    public override void SetFromTask(Task completed)
    {
    }

    public override void SetValue(object? value)
    {
    }

    public override void SetException(Exception exception) => timer.ReportFailure(exception);
}
