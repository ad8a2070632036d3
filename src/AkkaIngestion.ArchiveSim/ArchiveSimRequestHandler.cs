using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace AkkaIngestion.ArchiveSim;

/// <summary>Answers GET and HEAD for the plain files directly inside the root, injecting the configured faults.</summary>
internal sealed class ArchiveSimRequestHandler(ArchiveSimOptions options, string root, ArchiveSimStats stats)
{
    private const int BufferSize = 128 * 1024;

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var isHead = HttpMethods.IsHead(request.Method);
        if (!isHead && !HttpMethods.IsGet(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
            return;
        }
        var path = request.Path.Value ?? "/";
        if (path == "/")
        {
            await WriteListingAsync(context.Response, isHead, context.RequestAborted);
            return;
        }
        var name = path[1..];
        if (!IsPlainFileName(name))
        {
            AnswerNotFound(context.Response);
            return;
        }

        var cancellationToken = context.RequestAborted;
        try
        {
            if (isHead)
            {
                stats.RecordHead();
                await Task.Delay(options.Delay, cancellationToken);
                await AnswerAsync(context, name, get: null, cancellationToken);
                return;
            }
            using var get = stats.BeginGet(name);
            await Task.Delay(options.Delay, cancellationToken);
            await AnswerAsync(context, name, get, cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && cancellationToken.IsCancellationRequested)
        {
            // The client went away (or was cut off on purpose); there is nobody left to answer.
        }
    }

    /// <summary>
    /// A whitelist rather than a blacklist: no separators, no '%' left over from an encoded slash, no dot files,
    /// so nothing can name a path outside the root however it was encoded.
    /// </summary>
    internal static bool IsPlainFileName(string name) =>
        name.Length is > 0 and <= 255
        && name[0] != '.'
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');

    /// <param name="get">The GET being answered; null for a HEAD.</param>
    private async Task AnswerAsync(HttpContext context, string name, InFlightGet? get, CancellationToken cancellationToken)
    {
        var response = context.Response;
        var file = new FileInfo(Path.Combine(root, name));
        if (!file.Exists || file.LinkTarget is not null || file.DirectoryName != root)
        {
            AnswerNotFound(response);
            return;
        }
        var length = file.Length;
        var fault = get is null ? null : options.FaultFor(name, get.Attempt);
        // An empty body cannot be cut short; the closest fault that still fails the download is a reset.
        if (fault == SimFault.Truncate && length == 0) fault = SimFault.Reset;
        if (fault is { } injected) stats.RecordFault(injected);
        switch (fault)
        {
            case SimFault.Reset:
                get!.End();
                context.Abort();
                return;
            case SimFault.Fail:
                response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                response.ContentType = "text/plain";
                get!.End();
                await response.WriteAsync("archive-sim: injected failure\n", cancellationToken);
                return;
        }

        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = $"\"{file.LastWriteTimeUtc.Ticks:x}-{length:x}\"";
        response.Headers.LastModified = file.LastWriteTimeUtc.ToString("R", CultureInfo.InvariantCulture);
        response.ContentType = name.EndsWith(".gz", StringComparison.Ordinal) ? "application/gzip" : "application/octet-stream";
        if (!TrySelectRange(context.Request, length, out var offset, out var count, out var isRange))
        {
            response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
            response.Headers.ContentRange = $"bytes */{length}";
            return;
        }
        if (isRange)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {offset}-{offset + count - 1}/{length}";
        }
        response.ContentLength = count;
        if (get is null) return;

        var truncate = fault == SimFault.Truncate;
        await using var content = new FileStream(file.FullName, FileMode.Open, FileAccess.Read,
            FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        if (!truncate)
        {
            await SendAsync(content, offset, count, response.Body, beforeLastWrite: get, cancellationToken);
            return;
        }
        await SendAsync(content, offset, count / 2, response.Body, beforeLastWrite: null, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
        get.End();
        context.Abort();
    }

    /// <summary>
    /// One satisfiable byte range is served as 206; several ranges or a malformed header are ignored (the whole file, as
    /// RFC 9110 allows). False means the range cannot be satisfied (416).
    /// </summary>
    private static bool TrySelectRange(HttpRequest request, long length, out long offset, out long count, out bool isRange)
    {
        offset = 0;
        count = length;
        isRange = false;
        var header = request.GetTypedHeaders().Range;
        if (header is null || !string.Equals(header.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase)
                           || header.Ranges.Count != 1)
            return true;
        var range = header.Ranges.First();
        long first, last;
        if (range.From is { } from)
        {
            first = from;
            last = Math.Min(range.To ?? long.MaxValue, length - 1);
        }
        else
        {
            var suffix = range.To ?? 0;
            first = Math.Max(0, length - suffix);
            last = suffix == 0 ? -1 : length - 1;
        }
        if (first >= length || last < first) return false;
        offset = first;
        count = last - first + 1;
        isRange = true;
        return true;
    }

    /// <param name="beforeLastWrite">Ended just before the final chunk is written, when that chunk completes the response.</param>
    private async Task SendAsync(FileStream content, long offset, long count, Stream body, InFlightGet? beforeLastWrite,
        CancellationToken cancellationToken)
    {
        if (count == 0) beforeLastWrite?.End();
        content.Seek(offset, SeekOrigin.Begin);
        var throttle = options.RateLimitBytesPerSecond is { } rate ? new ResponseThrottle(rate) : null;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var chunkSize = throttle?.ChunkSize(BufferSize) ?? BufferSize;
            long sent = 0;
            while (sent < count)
            {
                var read = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(chunkSize, count - sent)), cancellationToken);
                if (read == 0) break;
                if (throttle is not null) await throttle.WaitUntilAllowedAsync(sent + read, cancellationToken);
                sent += read;
                // Counted before the write, so a client that has the bytes always finds them counted.
                stats.RecordBytesSent(read);
                if (sent == count) beforeLastWrite?.End();
                await body.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void AnswerNotFound(HttpResponse response)
    {
        stats.RecordNotFound();
        response.StatusCode = StatusCodes.Status404NotFound;
    }

    private async Task WriteListingAsync(HttpResponse response, bool isHead, CancellationToken cancellationToken)
    {
        var names = new DirectoryInfo(root).EnumerateFiles()
            .Where(file => file.LinkTarget is null && IsPlainFileName(file.Name))
            .Select(file => file.Name)
            .Order(StringComparer.Ordinal);
        var listing = Encoding.UTF8.GetBytes(string.Concat(names.Select(fileName => fileName + "\n")));
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = listing.Length;
        if (!isHead) await response.Body.WriteAsync(listing, cancellationToken);
    }
}
