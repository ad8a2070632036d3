using System.Reflection;
using AkkaIngestion.Admin;
using AkkaIngestion.Feeds;
using AkkaIngestion.Hosting;
using AkkaIngestion.Queueing;
using AkkaIngestion.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AkkaIngestion.Tests.Starting;

public sealed class IngestionRunTests
{
    [Fact]
    public async Task Checks_that_fail_while_the_node_starts_leave_store_and_queue_untouched()
    {
        var store = Untouchable<IObjectStore>.Create();
        var queue = Untouchable<IFileQueue>.Create();
        var plan = new RunPlan([FeedDefinition.GhArchive(new Uri("http://127.0.0.1:9/"))], new DateTime(2024, 1, 1), new DateTime(2024, 1, 2));
        var actorSystemStarting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var checkFailure = new StoreUnavailableException("store memory is not reachable: refused");

        var run = IngestionRun.ExecuteAsync(new IngestionOptions(), plan, store, queue, new AdminAddress(null, null, false),
            FailOnceStartingAsync(), logging => logging.Services.AddSingleton<ILoggerProvider>(new StartSignal(actorSystemStarting)),
            onProgress: null, CancellationToken.None);

        var thrown = await Assert.ThrowsAsync<StoreUnavailableException>(() => run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Same(checkFailure, thrown);
        Assert.True(actorSystemStarting.Task.IsCompleted, "the checks failed only once the actor system was starting");
        Assert.Empty(Untouchable<IObjectStore>.CallsOn(store));
        Assert.Empty(Untouchable<IFileQueue>.CallsOn(queue));
        return;

        // The checks are still running when the node starts, and fail then: the pipeline must not have started.
        async Task FailOnceStartingAsync()
        {
            await actorSystemStarting.Task;
            throw checkFailure;
        }
    }

    /// <summary>Completes the signal when the actor system asks for its first logger, which it does as it starts.</summary>
    private sealed class StartSignal(TaskCompletionSource signal) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName)
        {
            if (categoryName.StartsWith("Akka", StringComparison.Ordinal)) signal.TrySetResult();
            return NullLogger.Instance;
        }

        public void Dispose()
        {
        }
    }

    /// <summary>A store or queue that records every call made on it (names only) and fails it.</summary>
    public class Untouchable<T> : DispatchProxy where T : class
    {
        private readonly List<string> _calls = [];

        public static T Create() => DispatchProxy.Create<T, Untouchable<T>>();

        public static IReadOnlyList<string> CallsOn(T proxy)
        {
            var calls = ((Untouchable<T>)(object)proxy)._calls;
            lock (calls) return [.. calls];
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            if (method!.Name == "get_Location") return "untouchable";
            if (method.Name == "get_IsDurable") return true;
            lock (_calls) _calls.Add(method.Name);
            throw new InvalidOperationException($"{method.Name} called before the run's checks held");
        }
    }
}
