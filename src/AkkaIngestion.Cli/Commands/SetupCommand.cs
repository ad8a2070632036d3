using System.CommandLine;
using AkkaIngestion.Aws;
using AkkaIngestion.Hosting;
using AkkaIngestion.Queueing;

namespace AkkaIngestion.Cli.Commands;

/// <summary><c>akka-ingest setup</c>: creates the bucket, the queue and its dead-letter queue, or checks that they fit.</summary>
internal static class SetupCommand
{
    private static readonly Option<string> Store = new("--store")
    {
        Description = "The bucket (and prefix) files go to: s3://bucket[/prefix]",
        Required = true,
    };

    private static readonly Option<string> Queue = new("--queue")
    {
        Description = "The queue: sqs://name or its URL; its dead letters go to <name>-dlq",
        Required = true,
    };

    public static Command Create()
    {
        var command = new Command("setup", "Create the S3 bucket, the SQS queue (visibility 300 s) and its dead-letter queue (after 5 receives); a second run changes nothing")
        {
            Store, Queue,
        };
        Cli.SetGuardedAction(command, async (parsed, cancellationToken) =>
        {
            var store = Backends.S3Location(parsed.GetRequiredValue(Store));
            var queue = Backends.SqsLocation(parsed.GetRequiredValue(Queue));
            var setup = new SqsSetup(AwsClientFactory.CreateS3(), AwsClientFactory.CreateSqs());
            var report = await setup.EnsureAsync(store, queue, SqsSetupOptions.Default, cancellationToken);
            Console.Out.WriteLine(report.Changed ? $"setup: {report}" : $"setup: {store} and {queue} already set up; nothing changed");
            foreach (var note in report.Notes) Console.Error.WriteLine($"setup: note: {note}");
            return Cli.Ok;
        });
        return command;
    }
}
