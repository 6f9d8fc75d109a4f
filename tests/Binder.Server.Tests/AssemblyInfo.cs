// Each test starts a whole service (silo, proxy process, Kestrel); on a shared two-core machine, one class at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
