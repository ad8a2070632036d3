using System.CommandLine;

namespace AkkaIngestion.Cli.Commands.Ctl;

/// <summary><c>ctl workers set N</c>: resizes the node's download router while it runs.</summary>
internal static class WorkersCommand
{
    public static Command Create(CtlOptions options)
    {
        var count = new Argument<int>("count") { Description = "How many downloads this node runs at once (1 or more)" };
        var set = new Command("set", "Resize this node's download workers live") { count };
        CtlVerb.SetAction(set, options, async (ctl, cancellationToken) =>
        {
            var workers = ctl.Parsed.GetValue(count);
            if (workers < 1) throw new UsageException($"workers set: {workers} is not a worker count; 1 or more");
            return ctl.Print(await ctl.Admin.SetWorkersAsync(workers, cancellationToken), answer => ctl.Line($"workers: {answer.Workers}"));
        });
        return new Command("workers", "The node's download workers") { set };
    }
}
