using System.Formats.Tar;
using System.Text;
using Binder.Build.Buildpacks;
using Binder.Build.Docker;
using Binder.Hub.Hosting;
using Binder.Hub.Images;
using Binder.Hub.Tests.Launch;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Hub.Tests.Images;

/// <summary>
/// The image cleaner on the real daemon and the real disk: only Binder's unused images go, least recently used first,
/// and only as many as the way down to the low mark needs. The marks are set from the disk's use at the moment, so
/// the test's images (with a prefix of their own) are what is above them.
/// </summary>
[Collection(LaunchDaemonCollection.Name)]
public sealed class ImageCleanerTests(SessionImageFixture fixture)
{
    private const long LayerBytes = 200_000_000;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Above_the_mark_the_least_recently_used_unused_Binder_images_go_and_nothing_else()
    {
        var docker = fixture.Docker;
        var prefix = $"binder-cleaner-test-{TestEnvironment.UniqueSuffix()}-";
        string Named(string what) => $"{prefix}{what}:1";
        var inUse = Named("in-use");
        var (a, b, c) = (Named("a"), Named("b"), Named("c"));
        var unlabelled = Named("not-built-by-binder");
        var otherPrefix = $"binder-cleaner-other-{TestEnvironment.UniqueSuffix()}-x:1";
        var baseLike = Named("configured-base");
        var all = new[] { inUse, a, b, c, unlabelled, otherPrefix, baseLike };
        string? container = null;
        try
        {
            // Oldest first: the in-use image is the least recently used of all, and still stays.
            foreach (var image in new[] { inUse, a, b, c })
            {
                await BuildAsync(image, binder: true, LayerBytes);
            }
            await BuildAsync(unlabelled, binder: false, 1000);
            await BuildAsync(otherPrefix, binder: true, 1000);
            await BuildAsync(baseLike, binder: true, 1000);
            container = await docker.CreateContainerAsync(new DockerContainerParameters { Image = inUse, Cmd = ["sleep", "300"], NetworkMode = "none" }, Token);
            await docker.StartContainerAsync(container, Token);
            // A session starts from a: it becomes the most recently used of a, b and c.
            await docker.TagImageAsync(a, a, Token);
            Assert.True((await docker.InspectImageAsync(a, Token))!.LastTagTime > (await docker.InspectImageAsync(c, Token))!.LastTagTime);

            // The way down to the low mark is one and a half of the big images: b (oldest) and c go, a stays.
            var path = (await docker.GetSystemInfoAsync(Token)).RootDirectory;
            var (used, capacity) = ImageCleaner.DiskUse(path);
            var partial = await Cleaner(prefix, baseLike, high: 50.0 * used / capacity, low: 100.0 * (used - LayerBytes * 3 / 2) / capacity).CleanAsync(Token);

            Assert.Equal([Named("b"), Named("c")], partial.Removed.Select(r => r.Name).ToArray());
            Assert.InRange(partial.BytesToFree, LayerBytes, 2 * LayerBytes);
            Assert.All(partial.Removed, r => Assert.InRange(r.Bytes, LayerBytes, LayerBytes + 1_000_000));
            Assert.Equal(3, partial.Candidates);
            Assert.Null(await docker.InspectImageAsync(b, Token));
            Assert.Null(await docker.InspectImageAsync(c, Token));

            // Down to nothing: every other unused Binder image goes, and only those.
            (used, capacity) = ImageCleaner.DiskUse(path);
            var everything = await Cleaner(prefix, baseLike, high: 50.0 * used / capacity, low: 0).CleanAsync(Token);

            Assert.Equal([a], everything.Removed.Select(r => r.Name).ToArray());
            foreach (var kept in new[] { inUse, unlabelled, otherPrefix, baseLike })
            {
                Assert.NotNull(await docker.InspectImageAsync(kept, Token));
            }

            // Below the high mark, or with images younger than the minimum age, nothing is touched.
            var below = await Cleaner(prefix, TestEnvironment.BaseImage, high: 100, low: 0).CleanAsync(Token);
            Assert.Equal(0, below.BytesToFree);
            Assert.Empty(below.Removed);
            await docker.RemoveContainerAsync(container, force: true, Token);
            container = null;
            var young = await Cleaner(prefix, TestEnvironment.BaseImage, high: 50.0 * used / capacity, low: 0, minimumAge: TimeSpan.FromHours(1)).CleanAsync(Token);
            Assert.Empty(young.Removed);
            Assert.Equal(0, young.Candidates);
            Assert.NotNull(await docker.InspectImageAsync(inUse, Token));
        }
        finally
        {
            if (container is not null) await docker.RemoveContainerAsync(container, force: true, CancellationToken.None);
            foreach (var image in all)
            {
                try { await docker.RemoveImageAsync(image, force: true, CancellationToken.None); } catch (Binder.Build.BinderBuildException) { }
            }
        }
    }

    [Fact]
    public async Task A_path_this_process_cannot_see_fails_the_pass_with_a_sentence_naming_the_setting()
    {
        var cleaner = new ImageCleaner(fixture.Docker, new ImageCleanerOptions { Path = "/nonexistent/docker-data" }, "r2d-", TestEnvironment.BaseImage,
            TimeProvider.System, NullLogger<ImageCleaner>.Instance);

        var error = await Assert.ThrowsAsync<Binder.Build.BinderBuildException>(() => cleaner.CleanAsync(Token));

        Assert.Contains("Binder:ImageCleaner:Path", error.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/docker-data", error.Message, StringComparison.Ordinal);
    }

    private ImageCleaner Cleaner(string prefix, string baseImage, double high, double low, TimeSpan? minimumAge = null) => new(
        fixture.Docker,
        new ImageCleanerOptions { HighPercent = high, LowPercent = Math.Max(0, low), MinimumAge = minimumAge ?? TimeSpan.Zero },
        prefix,
        baseImage,
        TimeProvider.System,
        NullLogger<ImageCleaner>.Instance);

    /// <summary>An image on the base image with a layer of its own of <paramref name="bytes"/>; labelled as the build engine labels its images when <paramref name="binder"/>.</summary>
    private async Task BuildAsync(string name, bool binder, long bytes)
    {
        var dockerfile = $"FROM {TestEnvironment.BaseImage}\nRUN head -c {bytes} /dev/zero > /fill && echo {Guid.NewGuid():N} >> /fill\n";
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Ustar, leaveOpen: true))
        {
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "Dockerfile") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(dockerfile)) });
        }
        stream.Position = 0;
        await fixture.Docker.BuildImageAsync(stream, new DockerBuildParameters
        {
            Tags = [name],
            Labels = binder ? new Dictionary<string, string> { [BuildPlanner.VersionLabel] = "cleaner-test" } : new Dictionary<string, string>(),
        }, null, Token);
    }
}
