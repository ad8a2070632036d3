using Akka.Actor;
using Akka.Event;
using Akka.Routing;

namespace AkkaIngestion.Downloading;

/// <summary>
/// A pool of downloaders that gives each <see cref="DownloadFile"/> to a downloader that is idle, and holds files
/// while all are busy. Replies come back through the pool, which is how it learns a downloader is free again, and go
/// on to the file's sender unchanged. Downloaders that crash are restarted (one for one). The pool grows or shrinks
/// live on Akka's <see cref="AdjustPoolSize"/>; a busy downloader retires only once its file is done.
/// </summary>
/// <remarks>
/// Not a SmallestMailboxPool: Akka.NET's SmallestMailboxRoutingLogic scores routees by queued messages alone, and a
/// downloader in the middle of a file (ReceiveAsync, mailbox suspended) has none, so it scores as an instant win and
/// the next file would queue behind a download of minutes while other downloaders sit idle.
/// </remarks>
public sealed class DownloadRouter : ReceiveActor
{
    private readonly Props _downloaderProps;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<Assignment> _waiting = new();
    private readonly Queue<IActorRef> _idle = new();
    private readonly Dictionary<IActorRef, Assignment> _busy = new();
    private int _busyToRetire;

    public DownloadRouter(int workers, Props downloaderProps)
    {
        _downloaderProps = downloaderProps;
        for (var i = 0; i < workers; i++) _idle.Enqueue(Spawn());

        Receive<DownloadFile>(file =>
        {
            _waiting.Enqueue(new Assignment(file, Sender));
            Dispatch();
        });
        Receive<DownloadFinished>(Settle);
        Receive<DownloadCrashed>(Settle);
        Receive<AdjustPoolSize>(adjust => Resize(adjust.Change));
        Receive<Terminated>(terminated => Lost(terminated.ActorRef));
    }

    public static Props Create(int workers, Props downloaderProps)
    {
        // Checked here rather than in the constructor, which its supervisor would restart forever.
        if (workers < 1)
            throw new ArgumentException($"a download pool needs at least 1 worker, not {workers}", nameof(workers));
        return Props.Create(() => new DownloadRouter(workers, downloaderProps));
    }

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(Decider.From(Directive.Restart));

    private sealed record Assignment(DownloadFile File, IActorRef ReplyTo);

    private IActorRef Spawn() => Context.Watch(Context.ActorOf(_downloaderProps));

    private void Dispatch()
    {
        while (_waiting.Count > 0 && _idle.TryDequeue(out var downloader))
        {
            var assignment = _waiting.Dequeue();
            _busy[downloader] = assignment;
            downloader.Tell(assignment.File, Self);
        }
    }

    private void Settle(object reply)
    {
        var downloader = Sender;
        if (!_busy.Remove(downloader, out var assignment))
        {
            _log.Warning("ignored {0} from {1}, which holds no file", reply.GetType().Name, downloader.Path);
            return;
        }
        assignment.ReplyTo.Forward(reply);
        if (_busyToRetire > 0)
        {
            _busyToRetire--;
            Retire(downloader);
        }
        else
        {
            _idle.Enqueue(downloader);
        }
        Dispatch();
    }

    private void Resize(int change)
    {
        if (change > 0)
        {
            var kept = Math.Min(change, _busyToRetire);
            _busyToRetire -= kept;
            for (var i = kept; i < change; i++) _idle.Enqueue(Spawn());
            Dispatch();
            return;
        }
        var toRemove = Math.Min(-change, _idle.Count + _busy.Count - _busyToRetire);
        while (toRemove > 0 && _idle.TryDequeue(out var idle))
        {
            Retire(idle);
            toRemove--;
        }
        _busyToRetire += toRemove;
    }

    private void Retire(IActorRef downloader)
    {
        Context.Unwatch(downloader);
        Context.Stop(downloader);
    }

    /// <summary>Downloaders are restarted, not stopped, on failure; one only stops if something else stopped it.</summary>
    private void Lost(IActorRef downloader)
    {
        _log.Warning("downloader {0} stopped; the pool is one smaller", downloader.Path);
        if (_busy.Remove(downloader, out var assignment))
            assignment.ReplyTo.Tell(new DownloadCrashed(assignment.File.Message, $"downloader {downloader.Path.Name} stopped while it held the file"));
        _busyToRetire = Math.Min(_busyToRetire, _busy.Count);
        var stillIdle = _idle.Where(idle => !idle.Equals(downloader)).ToList();
        _idle.Clear();
        foreach (var idle in stillIdle) _idle.Enqueue(idle);
    }
}
