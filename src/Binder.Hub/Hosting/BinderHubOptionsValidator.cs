using Binder.Build.Buildpacks;
using Binder.Build.Content;
using Binder.Build.Registry;
using Microsoft.Extensions.Options;

namespace Binder.Hub.Hosting;

/// <summary>Checks <see cref="BinderHubOptions"/> at start-up, so a bad configuration fails early with its key named.</summary>
public sealed class BinderHubOptionsValidator() : Binder.Build.OptionsValidator<BinderHubOptions>(BinderHubOptions.SectionName)
{
    /// <summary>The longest <see cref="SessionOptions.StopTimeout"/>: three of them must fit in <see cref="Grains.ILaunchGrain.StopResponseTimeout"/>.</summary>
    public static readonly TimeSpan MaxStopTimeout = TimeSpan.FromMinutes(3);

    /// <inheritdoc />
    protected override IEnumerable<string> Check(BinderHubOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var queue = options.BuildQueue;
        if (queue.MaxConcurrentBuilds < 1)
            errors.Add($"Binder:BuildQueue:MaxConcurrentBuilds is {queue.MaxConcurrentBuilds}; it must be at least 1.");
        if (queue.LoadQueryTimeout <= TimeSpan.Zero)
            errors.Add("Binder:BuildQueue:LoadQueryTimeout must be positive, e.g. 00:00:05.");

        var repo = options.Repo;
        if (repo.BuildTimeout <= TimeSpan.Zero)
            errors.Add("Binder:Repo:BuildTimeout must be positive, e.g. 01:00:00.");
        if (repo.MaxLogLines < 10)
            errors.Add($"Binder:Repo:MaxLogLines is {repo.MaxLogLines}; keep at least 10 lines.");
        if (repo.MaxLogBytes < 1024)
            errors.Add($"Binder:Repo:MaxLogBytes is {repo.MaxLogBytes}; keep at least 1024 bytes.");
        if (repo.MaxLogMessageBytes < 256)
            errors.Add($"Binder:Repo:MaxLogMessageBytes is {repo.MaxLogMessageBytes}; keep at least 256 bytes.");
        if (repo.FailureLogLines < 0)
            errors.Add("Binder:Repo:FailureLogLines must not be negative.");
        if (repo.ImageNamePrefix is null || repo.ImageNamePrefix.Any(c => char.IsWhiteSpace(c) || char.IsUpper(c) || c == ':' || c == '@'))
            errors.Add($"Binder:Repo:ImageNamePrefix '{repo.ImageNamePrefix}' must be lower case without spaces, ':' or '@', e.g. r2d- or binder/r2d-.");
        else if (!ImageReference.TryParse(repo.FullImageNamePrefix + "x:tag", out _))
            errors.Add($"Binder:Repo:Registry '{repo.Registry}' with ImageNamePrefix '{repo.ImageNamePrefix}' does not make valid image names; use a host[:port] and a lower-case path prefix.");

        var sessions = options.Sessions;
        if (sessions.IdleTimeout <= TimeSpan.Zero)
            errors.Add("Binder:Sessions:IdleTimeout must be positive, e.g. 00:10:00.");
        if (sessions.MaxAge <= TimeSpan.Zero)
            errors.Add("Binder:Sessions:MaxAge must be positive, e.g. 06:00:00.");
        // A periodic timer takes at most about 49 days; a day is already far longer than anyone would wait.
        if (sessions.PollInterval <= TimeSpan.Zero || sessions.PollInterval > TimeSpan.FromDays(1))
            errors.Add($"Binder:Sessions:PollInterval is {sessions.PollInterval}; give a duration from a moment to 1.00:00:00, e.g. 00:00:30.");
        if (sessions.ReminderPeriod <= TimeSpan.Zero)
            errors.Add("Binder:Sessions:ReminderPeriod must be positive and at least the reminder minimum period (1 minute by default).");
        if (sessions.TotalQuota is < 0)
            errors.Add("Binder:Sessions:TotalQuota must not be negative (leave it out for no limit).");
        if (sessions.NodeQuota is < 0)
            errors.Add("Binder:Sessions:NodeQuota must not be negative (leave it out to derive it from the node's memory).");
        if (sessions.NodeMemoryReserveBytes < 0)
            errors.Add("Binder:Sessions:NodeMemoryReserveBytes must not be negative, e.g. 4294967296 (4 GiB).");
        if (sessions.DefaultRepoQuota is < 0)
            errors.Add("Binder:Sessions:DefaultRepoQuota must not be negative (leave it out for no limit).");
        if (sessions.StopTimeout <= TimeSpan.Zero)
            errors.Add("Binder:Sessions:StopTimeout must be positive.");
        else if (sessions.StopTimeout > MaxStopTimeout)
            errors.Add($"Binder:Sessions:StopTimeout {sessions.StopTimeout} is longer than {MaxStopTimeout}: a stop runs up to three steps of it inside one grain call, which Orleans ends after {Grains.ILaunchGrain.StopResponseTimeout}. Choose a shorter one.");

        if (sessions.JanitorInterval <= TimeSpan.Zero || sessions.JanitorInterval > TimeSpan.FromDays(1))
            errors.Add($"Binder:Sessions:JanitorInterval is {sessions.JanitorInterval}; give a duration from a moment to 1.00:00:00, e.g. 00:05:00.");
        if (sessions.JanitorGracePeriod < TimeSpan.Zero)
            errors.Add("Binder:Sessions:JanitorGracePeriod must not be negative, e.g. 00:02:00.");
        if (sessions.JanitorConcurrency is < 1 or > 256)
            errors.Add($"Binder:Sessions:JanitorConcurrency is {sessions.JanitorConcurrency}; give 1 to 256, e.g. 16.");

        if (options.Docker.BuildMemoryLimitBytes is < 0 or > 0 and < 6 * 1024 * 1024)
            errors.Add($"Binder:Docker:BuildMemoryLimitBytes is {options.Docker.BuildMemoryLimitBytes}; it must be 0 (no limit) or at least 6 MiB, e.g. 4294967296 (4 GiB).");

        var cleaner = options.ImageCleaner;
        if (cleaner.Interval <= TimeSpan.Zero)
            errors.Add("Binder:ImageCleaner:Interval must be positive, e.g. 00:05:00.");
        if (cleaner.MinimumAge < TimeSpan.Zero)
            errors.Add("Binder:ImageCleaner:MinimumAge must not be negative, e.g. 01:00:00.");
        if (cleaner.HighPercent is not (> 0 and <= 100) || double.IsNaN(cleaner.HighPercent))
            errors.Add($"Binder:ImageCleaner:HighPercent is {cleaner.HighPercent}; it must be above 0 and at most 100, e.g. 80.");
        if (cleaner.LowPercent is not (>= 0 and <= 100) || double.IsNaN(cleaner.LowPercent) || cleaner.LowPercent > cleaner.HighPercent)
            errors.Add($"Binder:ImageCleaner:LowPercent is {cleaner.LowPercent}; it must be between 0 and HighPercent ({cleaner.HighPercent}), e.g. 60.");
        if (cleaner.Path is { } path && !System.IO.Path.IsPathFullyQualified(path))
            errors.Add($"Binder:ImageCleaner:Path '{path}' must be an absolute path, e.g. /var/lib/docker.");

        errors.AddRange(new BuildpackOptionsValidator().Validate(null, options.Buildpacks) is { Failed: true } buildpacks
            ? buildpacks.Failures
            : []);
        errors.AddRange(new ContentOptionsValidator().Validate(null, options.Content) is { Failed: true } content
            ? content.Failures
            : []);
        return errors;
    }
}
