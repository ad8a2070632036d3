using AkkaIngestion.Bench;

return args is ["plain-s3-copy", .. var rest]
    ? await PlainS3Copy.RunAsync(rest)
    : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: akka-ingest-bench plain-s3-copy --source URL --bucket NAME [--prefix P] [--parallel N] FILE...");
    return 2;
}
