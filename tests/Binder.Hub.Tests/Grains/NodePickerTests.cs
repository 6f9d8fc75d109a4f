using Binder.Hub.Grains;

namespace Binder.Hub.Tests.Grains;

public sealed class NodePickerTests
{
    private static readonly string[] Nodes = ["n1", "n2", "n3", "n4"];

    [Fact]
    public void ARepositoryGoesToTheSameFreeNodeEveryTime()
    {
        var loads = Nodes.Select(n => new BuilderLoad(n, 0, 0, 2)).ToList();
        var picked = NodePicker.Pick("gh/org/repo", loads);

        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal(picked, NodePicker.Pick("gh/org/repo", [.. loads.OrderBy(_ => Guid.NewGuid())])));
        Assert.Equal(Nodes.MaxBy(n => NodePicker.Score("gh/org/repo", n)), picked);
    }

    [Fact]
    public void RepositoriesSpreadOverTheNodes()
    {
        var loads = Nodes.Select(n => new BuilderLoad(n, 0, 0, 2)).ToList();
        var used = Enumerable.Range(0, 200).Select(i => NodePicker.Pick($"gh/org/repo{i}", loads)).ToHashSet();

        Assert.Equal(Nodes.Length, used.Count);
    }

    [Fact]
    public void ABusyNodeIsPassedOverAndOnlyItsRepositoriesMove()
    {
        var free = Nodes.Select(n => new BuilderLoad(n, 0, 0, 2)).ToList();
        var repositories = Enumerable.Range(0, 100).Select(i => $"gh/org/repo{i}").ToList();
        var before = repositories.ToDictionary(r => r, r => NodePicker.Pick(r, free));
        var busy = free.Select(l => l.Node == "n2" ? l with { Running = 2 } : l).ToList();

        foreach (var repository in repositories)
        {
            var now = NodePicker.Pick(repository, busy);
            Assert.NotEqual("n2", now);
            if (before[repository] != "n2") Assert.Equal(before[repository], now);
        }
    }

    [Fact]
    public void WhenEveryNodeIsBusyTheLeastLoadedOneIsPicked()
    {
        List<BuilderLoad> loads = [new("n1", 2, 3, 2), new("n2", 2, 1, 2), new("n3", 4, 0, 4)];

        Assert.Equal("n3", NodePicker.Pick("gh/org/repo", loads));
    }
}
