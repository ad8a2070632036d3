using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace AkkaIngestion.Queueing;

/// <summary>
/// Gathers deletes into DeleteMessageBatch calls: a batch goes out when it holds <see cref="SqsQueue.MaxBatch"/>
/// messages or when its first message has waited <see cref="Linger"/>. Each caller's task ends with its own message's
/// outcome, so a failed entry fails only that delete (the message is delivered again, which is harmless).
/// </summary>
internal sealed class SqsDeleteBatcher(IAmazonSQS sqs, Func<CancellationToken, ValueTask<string>> queueUrl, TimeSpan linger)
{
    private readonly object _gate = new();
    private List<PendingDelete> _pending = [];
    private int _generation;

    public TimeSpan Linger { get; } = linger;

    public Task DeleteAsync(string receiptHandle, CancellationToken cancellationToken)
    {
        var pending = new PendingDelete(receiptHandle);
        List<PendingDelete>? full = null;
        int? lingerFor = null;
        lock (_gate)
        {
            _pending.Add(pending);
            if (_pending.Count == SqsQueue.MaxBatch) full = TakePending();
            else if (_pending.Count == 1) lingerFor = _generation;
        }
        if (full is not null) _ = SendAsync(full);
        else if (lingerFor is { } generation) _ = SendAfterLingerAsync(generation);
        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    private List<PendingDelete> TakePending()
    {
        var taken = _pending;
        _pending = [];
        _generation++;
        return taken;
    }

    private async Task SendAfterLingerAsync(int generation)
    {
        await Task.Delay(Linger).ConfigureAwait(false);
        List<PendingDelete>? due = null;
        lock (_gate)
        {
            // A batch that filled up meanwhile went out already; this timer belonged to it.
            if (_generation == generation && _pending.Count > 0) due = TakePending();
        }
        if (due is not null) await SendAsync(due).ConfigureAwait(false);
    }

    private async Task SendAsync(List<PendingDelete> batch)
    {
        try
        {
            // Not cancellable by one caller: the batch belongs to all of them.
            var response = await sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest
            {
                QueueUrl = await queueUrl(CancellationToken.None).ConfigureAwait(false),
                Entries = batch.Select((delete, index) => new DeleteMessageBatchRequestEntry(
                    index.ToString(CultureInfo.InvariantCulture), delete.ReceiptHandle)).ToList(),
            }).ConfigureAwait(false);
            var failures = (response.Failed ?? []).ToDictionary(entry => int.Parse(entry.Id, CultureInfo.InvariantCulture));
            for (var i = 0; i < batch.Count; i++)
            {
                if (failures.TryGetValue(i, out var failure))
                    batch[i].Done.TrySetException(new AmazonSQSException($"delete failed: {failure.Code}: {failure.Message}"));
                else
                    batch[i].Done.TrySetResult();
            }
        }
        catch (Exception e)
        {
            foreach (var delete in batch) delete.Done.TrySetException(e);
        }
    }

    private sealed record PendingDelete(string ReceiptHandle)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
