using System.Diagnostics;
using AkkaIngestion.Aws;
using Amazon.S3.Transfer;

namespace AkkaIngestion.Bench;

/// <summary>
/// The baseline of the S3 throughput benchmark: GET each file from the source and hand the body to the AWSSDK's
/// TransferUtility, N files at a time; no actors, queue, verification or records. Endpoint, region and credentials come
/// from the AWS_* variables, as for akka-ingest.
/// </summary>
internal static class PlainS3Copy
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? source = null, bucket = null;
        var prefix = "";
        var parallel = 8;
        var files = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--source": source = args[++i]; break;
                case "--bucket": bucket = args[++i]; break;
                case "--prefix": prefix = args[++i]; break;
                case "--parallel": parallel = int.Parse(args[++i]); break;
                default: files.Add(args[i]); break;
            }
        }
        if (source is null || bucket is null || files.Count == 0 || parallel < 1)
        {
            Console.Error.WriteLine("plain-s3-copy needs --source, --bucket and at least one file name");
            return 2;
        }

        var elapsed = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var s3 = AwsClientFactory.CreateS3();
        using var transfer = new TransferUtility(s3);
        var baseUrl = new Uri(source.EndsWith('/') ? source : source + "/");
        long bytes = 0;
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (file, token) =>
        {
            using var response = await http.GetAsync(new Uri(baseUrl, file), HttpCompletionOption.ResponseHeadersRead, token);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(token);
            await transfer.UploadAsync(new TransferUtilityUploadRequest
            {
                BucketName = bucket,
                Key = prefix + file,
                InputStream = body,
                AutoCloseStream = false,
            }, token);
            Interlocked.Add(ref bytes, response.Content.Headers.ContentLength ?? 0);
        });
        Console.Out.WriteLine($"plain-s3-copy: {files.Count} files, {bytes} bytes in {elapsed.Elapsed.TotalSeconds:F3} s");
        return 0;
    }
}
