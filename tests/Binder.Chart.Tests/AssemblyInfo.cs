[assembly: CollectionBehavior(MaxParallelThreads = 2)]
[assembly: AssemblyFixture(typeof(ChartRenderer))]
