using Binder.Hub.Providers;

namespace Binder.Hub.Grains;

/// <summary>What a builder grain builds.</summary>
/// <param name="Repo">The resolved repository (its <see cref="ResolvedRepo.Source"/> says where the content is).</param>
/// <param name="ImageName">The image name with tag to build.</param>
/// <param name="Push">Whether to push the image to its registry after building it.</param>
[GenerateSerializer, Alias("binder.BuildOrder")]
public sealed record BuildOrder(ResolvedRepo Repo, string ImageName, bool Push);
