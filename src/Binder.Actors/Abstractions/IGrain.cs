namespace Binder.Actors;

/// <summary>Marker for every grain interface. Methods of a grain interface return <see cref="Task"/>,
/// <see cref="Task{TResult}"/>, <see cref="ValueTask"/>, <see cref="ValueTask{TResult}"/>,
/// <see cref="IAsyncEnumerable{T}"/>, or <c>void</c> when marked <see cref="OneWayAttribute"/>.</summary>
public interface IGrain;
