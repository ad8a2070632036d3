using System.Diagnostics;
using Akka.Actor;
using AkkaIngestion.Admin;
using Akka.Event;
using AkkaIngestion.Hosting;
using AkkaIngestion.Sources;
using AkkaIngestion.Storage;
using Polly;
using Polly.Retry;

namespace AkkaIngestion.Downloading;

/// <param name="RetryAttempts">Attempts per file, the first included.</param>
/// <param name="RetryBaseDelay">Base of the jittered exponential backoff between attempts.</param>
/// <param name="ReadStallTimeout">A body read bringing nothing for this long fails the attempt.</param>
public sealed record DownloaderSettings(int RetryAttempts, TimeSpan RetryBaseDelay, TimeSpan ReadStallTimeout)
{
    public static DownloaderSettings From(IngestionOptions options) =>
        new(options.RetryAttempts, options.RetryBaseDelay, options.ReadStallTimeout);
}

/// <summary>
/// Downloads one file at a time: streams it from the source into the store, verified (gzip, length, SHA-256), with
/// retries for transient errors; replies <see cref="DownloadFinished"/> to whoever sent the <see cref="DownloadFile"/>.
/// An error it does not understand crashes it, and the sender learns of that through <see cref="DownloadCrashed"/>.
/// </summary>
public sealed class Downloader : ReceiveActor
{
    private static readonly ResiliencePropertyKey<string> FileNameKey = new("file-name");

    private readonly IArchiveSource _source;
    private readonly IObjectStore _store;
    private readonly DownloaderSettings _settings;
    private readonly DownloadCancellation _cancellation;
    private readonly ResiliencePipeline _retries;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef _replyTo = ActorRefs.Nobody;

    public Downloader(IArchiveSource source, IObjectStore store, DownloaderSettings settings, DownloadCancellation cancellation)
    {
        _source = source;
        _store = store;
        _settings = settings;
        _cancellation = cancellation;
        _retries = BuildRetries(settings);
        ReceiveAsync<DownloadFile>(HandleAsync);
    }

    /// <summary>Checks the settings here, once: a constructor that throws would be restarted by its supervisor forever.</summary>
    public static Props Props(IArchiveSource source, IObjectStore store, DownloaderSettings settings, DownloadCancellation cancellation)
    {
        if (settings.RetryAttempts < 1)
            throw new ArgumentException($"RetryAttempts must be at least 1 (the first try), not {settings.RetryAttempts}", nameof(settings));
        if (settings.RetryBaseDelay < TimeSpan.Zero || settings.ReadStallTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"RetryBaseDelay must not be negative and ReadStallTimeout must be positive ({settings})", nameof(settings));
        return Akka.Actor.Props.Create(() => new Downloader(source, store, settings, cancellation));
    }

    protected override void PreRestart(Exception reason, object message)
    {
        // The crash happened while this file was held; without this reply its sender would wait for it forever.
        if (message is DownloadFile file)
            _replyTo.Tell(new DownloadCrashed(file.Message, reason.Message), Self);
        base.PreRestart(reason, message);
    }

    private async Task HandleAsync(DownloadFile file)
    {
        _replyTo = Sender;
        var started = Stopwatch.GetTimestamp();
        IngestionMetrics.DownloadsInFlight.Add(1);
        DownloadOutcome outcome;
        try
        {
            outcome = await DownloadAsync(file);
        }
        finally
        {
            IngestionMetrics.DownloadsInFlight.Add(-1);
        }
        if (outcome is DownloadOutcome.Stored)
            IngestionMetrics.DownloadDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("feed", file.Feed.Id));
        _replyTo.Tell(new DownloadFinished(file.Message, file.Feed, file.FileName, outcome), Self);
    }

    private async Task<DownloadOutcome> DownloadAsync(DownloadFile file)
    {
        var attempts = 0;
        var context = ResilienceContextPool.Shared.Get(_cancellation.Token);
        context.Properties.Set(FileNameKey, file.FileName);
        try
        {
            return await _retries.ExecuteAsync(async attemptContext =>
            {
                attempts++;
                return await AttemptAsync(file, attempts, attemptContext.CancellationToken);
            }, context);
        }
        catch (Exception) when (_cancellation.Token.IsCancellationRequested)
        {
            // Whatever the last attempt died of, shutdown cut it short: the message goes back to the queue.
            _log.Info("{0}: interrupted by shutdown after {1} attempt(s); nothing was published", file.FileName, attempts);
            return new DownloadOutcome.Interrupted();
        }
        catch (Exception e) when (IsTransient(e))
        {
            return new DownloadOutcome.Failed($"gave up after {attempts} attempt(s), last error: {e.Message}", attempts);
        }
        catch (Exception e) when (IsPermanent(e))
        {
            return new DownloadOutcome.Failed($"permanent error, not retried: {e.Message}", attempts);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<DownloadOutcome> AttemptAsync(DownloadFile file, int attempt, CancellationToken cancellationToken)
    {
        var key = file.Feed.ObjectKey(file.FileName);
        // A stored copy is checked with a HEAD, so an identical file costs no GET at all.
        if (await _store.GetRecordAsync(key, cancellationToken) is { } existing)
        {
            var probe = await _source.ProbeAsync(file.Feed, file.FileName, cancellationToken);
            if (probe.Outcome == ProbeOutcome.Found && IsSameFile(existing, probe.Length, probe.ETag))
            {
                _log.Debug("{0}: already stored ({1} bytes), not fetched", file.FileName, existing.Size);
                return new DownloadOutcome.AlreadyStored(existing.Size);
            }
        }
        await using var response = await _source.OpenAsync(file.Feed, file.FileName, cancellationToken);

        // Disposing without a commit discards the upload: a failed or cancelled attempt leaves nothing visible.
        await using var upload = await _store.BeginUploadAsync(key, response.Length, cancellationToken);
        var copy = await VerifyingCopy.CopyAsync(response.Body, response.Length, upload.Content, _settings.ReadStallTimeout, cancellationToken);
        await upload.CommitAsync(new ObjectRecord(copy.Bytes, copy.Sha256, response.ETag, DateTimeOffset.UtcNow), cancellationToken);
        _log.Debug("{0}: stored {1} bytes, sha256 {2}, attempt {3}", file.FileName, copy.Bytes, copy.Sha256, attempt);
        return new DownloadOutcome.Stored(copy.Bytes, copy.Sha256, attempt);
    }

    /// <summary>Same announced length and no disagreeing ETags: the stored copy is this file.</summary>
    private static bool IsSameFile(ObjectRecord stored, long? length, string? etag) =>
        length == stored.Size && (stored.SourceETag is null || etag is null || stored.SourceETag == etag);

    private ResiliencePipeline BuildRetries(DownloaderSettings settings)
    {
        if (settings.RetryAttempts == 1) return ResiliencePipeline.Empty;
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = settings.RetryAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryBaseDelay,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                OnRetry = args =>
                {
                    IngestionMetrics.DownloadRetries.Add(1);
                    _log.Warning("{0}: attempt {1} of {2} failed ({3}); retrying in {4:0.###} s",
                        args.Context.Properties.GetValue(FileNameKey, "?"), args.AttemptNumber + 1, settings.RetryAttempts,
                        args.Outcome.Exception?.Message, args.RetryDelay.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>Errors another attempt can cure: the network, the source's bad moments, a damaged body, a busy store.</summary>
    private static bool IsTransient(Exception error) => error switch
    {
        SourceException source => source.IsTransient,
        HttpRequestException or IOException or InvalidDataException or TimeoutException or StoreUnavailableException => true,
        _ => false,
    };

    /// <summary>Errors no attempt can cure; the file goes to the dead letters at once.</summary>
    private static bool IsPermanent(Exception error) => error is SourceException { IsTransient: false } or ArgumentException;
}
