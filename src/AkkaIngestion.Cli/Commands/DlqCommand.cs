using System.CommandLine;
using System.Text.Json;
using AkkaIngestion.Feeds;
using AkkaIngestion.Hosting;
using AkkaIngestion.Queueing;
using AkkaIngestion.Storage;
using Amazon.Runtime;

namespace AkkaIngestion.Cli.Commands;

/// <summary><c>akka-ingest dlq list|redrive</c>: what went to the dead letters and why, and sending it back to the queue.</summary>
internal static class DlqCommand
{
    private static readonly Option<string?> Queue = new("--queue")
    {
        Description = "The queue whose dead letters to use: sqs://name or its URL, or memory (only the store's records then)",
    };

    private static readonly Option<string?> Store = new("--store")
    {
        Description = "The store whose dead-letter records (dead-letters/) add detail; with --queue memory, the only source (default ./data)",
    };

    private static readonly FeedDefinition[] Feeds = [FeedDefinition.GhArchive()];

    public static Command Create()
    {
        var list = new Command("list", "Show the dead letters and why each is there; nothing is consumed")
        {
            Queue, Store, NodeSettings.Config, NodeSettings.Json,
        };
        Cli.SetGuardedAction(list, ListAsync);
        var redrive = new Command("redrive", "Move every dead letter back to the queue (their records in --store are removed)")
        {
            Queue, Store, NodeSettings.Config,
        };
        Cli.SetGuardedAction(redrive, RedriveAsync);
        return new Command("dlq", "Dead letters: list them, or send them back to the queue") { list, redrive };
    }

    /// <summary>The settings, the queue (null for the in-process one) and the store (null when not asked for).</summary>
    private static async Task<(SqsQueue? Queue, IObjectStore? Store)> OpenAsync(ParseResult parsed, CancellationToken cancellationToken)
    {
        var options = NodeSettings.Load(parsed);
        if (parsed.GetValue(Queue) is { } queueLocation) options.Queue = queueLocation;
        if (parsed.GetValue(Store) is { } storeLocation) options.Store = storeLocation;
        var queue = Backends.OpenQueue(options.Queue, options) as SqsQueue;
        // With SQS the queue is the truth and a store only adds detail, so the default ./data is not read uninvited.
        IObjectStore? store = queue is null || parsed.GetValue(Store) is not null ? Backends.OpenStore(options.Store) : null;
        if (store is not null) await store.CheckReachableAsync(cancellationToken);
        return (queue, store);
    }

    private static async Task<int> ListAsync(ParseResult parsed, CancellationToken cancellationToken)
    {
        var (queue, store) = await OpenAsync(parsed, cancellationToken);
        string? deadLetterQueue = null;
        IReadOnlyList<SqsDeadLetter> letters = [];
        if (queue is not null) (deadLetterQueue, letters) = await new SqsDeadLetters(queue).ListAsync(cancellationToken);
        var records = store is null ? [] : await DeadLetterRecord.ListAsync(store, Feeds, cancellationToken);
        var recordsByKey = records.ToDictionary(record => record.Key, StringComparer.Ordinal);
        var matched = new HashSet<string>(StringComparer.Ordinal);
        var rows = letters.Select(letter =>
        {
            var key = letter.StoreRecordKey(Feeds);
            var record = recordsByKey.GetValueOrDefault(key);
            if (record is not null) matched.Add(key);
            return (Letter: letter, Record: record);
        }).ToList();
        var unmatched = records.Where(record => !matched.Contains(record.Key)).ToList();

        if (parsed.GetValue(NodeSettings.Json))
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                queue = queue?.Location ?? "memory",
                deadLetterQueue = deadLetterQueue is null ? null : "sqs://" + deadLetterQueue,
                store = store?.Location,
                messages = rows.Select(row => new
                {
                    messageId = row.Letter.MessageId,
                    body = row.Letter.Body,
                    feed = row.Letter.FeedId,
                    reason = row.Letter.Reason ?? row.Record?.Record?.Reason,
                    sentAt = row.Letter.SentAt,
                    record = row.Record is null ? null : RecordJson(row.Record),
                }),
                // Records whose message is not in the dead-letter queue (redriven or expired), or all of them without SQS.
                records = unmatched.Select(RecordJson),
            }, new JsonSerializerOptions { WriteIndented = true }));
            return Cli.Ok;
        }

        if (queue is not null)
        {
            Console.Out.WriteLine($"{letters.Count} dead letter(s) in sqs://{deadLetterQueue} (dead letters of {queue.Location})");
            // One line per letter, never wrapped, so the output greps well.
            foreach (var (letter, record) in rows)
                Console.Out.WriteLine($"  {letter.Body} (sent {letter.SentAt?.ToString("u") ?? "?"}): " +
                                      (letter.Reason ?? record?.Record?.Reason ?? "moved by SQS after too many receives"));
        }
        if (store is not null)
        {
            Console.Out.WriteLine(queue is null
                ? $"{records.Count} dead-letter record(s) in {store.Location}"
                : $"{unmatched.Count} dead-letter record(s) in {store.Location} without a message in the dead-letter queue");
            foreach (var stored in unmatched)
                Console.Out.WriteLine($"  {stored.Record?.FileName ?? stored.Record?.Body ?? stored.Key} " +
                                      $"(at {stored.Record?.At.ToString("u") ?? "?"}): {stored.Record?.Reason ?? stored.Problem}");
        }
        return Cli.Ok;
    }

    private static object RecordJson(StoredDeadLetter stored) => new
    {
        key = stored.Key,
        file = stored.Record?.FileName,
        body = stored.Record?.Body,
        reason = stored.Record?.Reason,
        receiveCount = stored.Record?.ReceiveCount,
        at = stored.Record?.At,
        problem = stored.Problem,
    };

    private static async Task<int> RedriveAsync(ParseResult parsed, CancellationToken cancellationToken)
    {
        var (queue, store) = await OpenAsync(parsed, cancellationToken);
        if (queue is null)
            throw new UsageException(
                "the in-process queue lives only while a run does, so its dead letters cannot be sent back: re-run their hours " +
                "with 'run --from H --to H' (files already stored are skipped); 'dlq list' shows which");
        var result = await new SqsDeadLetters(queue).RedriveAsync(cancellationToken);
        Console.Out.WriteLine($"moved {result.Moved.Count} message(s) from sqs://{result.DeadLetterQueue} back to {queue.Location}");
        if (store is not null)
        {
            var removed = await DeadLetterRecord.RemoveAsync(store, Feeds, result.Moved.Select(letter => letter.StoreRecordKey(Feeds)), cancellationToken);
            Console.Out.WriteLine($"removed {removed} dead-letter record(s) from {store.Location}");
        }
        foreach (var problem in result.Problems) Console.Error.WriteLine($"akka-ingest dlq redrive: {problem}");
        return result.Problems.Count == 0 ? Cli.Ok : Cli.Failed;
    }
}
