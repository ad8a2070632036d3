using System.Net;
using System.Text;
using Amazon.Runtime;

namespace AkkaIngestion.EndToEnd.Aws.Fauxqs;

/// <summary>
/// Stands in for the conditional PutObject that S3 has and fauxqs 2.4.1 lacks (it ignores If-Match and If-None-Match on
/// PUT): inside the SDK client's HTTP pipeline, a conditional PUT is checked against a HEAD of the same object and sent
/// only if the condition holds, both under one lock, so concurrent writers of this client race as they would on S3.
/// The store's own code, the SDK's request and the 412 the SDK parses are all real.
/// </summary>
public sealed class ConditionalWriteGate : HttpClientFactory
{
    private readonly SemaphoreSlim _writes = new(1, 1);

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Gate(this, new SocketsHttpHandler()));

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    private sealed class Gate(ConditionalWriteGate owner, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var ifMatch = request.Headers.IfMatch.SingleOrDefault()?.ToString();
            var ifNoneMatch = request.Headers.IfNoneMatch.SingleOrDefault()?.ToString();
            if (request.Method != HttpMethod.Put || (ifMatch is null && ifNoneMatch is null))
                return await base.SendAsync(request, cancellationToken);

            await owner._writes.WaitAsync(cancellationToken);
            try
            {
                using var head = await base.SendAsync(new HttpRequestMessage(HttpMethod.Head, request.RequestUri), cancellationToken);
                var current = head.StatusCode == HttpStatusCode.OK ? head.Headers.ETag?.ToString() : null;
                if (ifNoneMatch == "*" && current is not null) return Error(HttpStatusCode.PreconditionFailed, "PreconditionFailed");
                if (ifMatch is not null && current is null) return Error(HttpStatusCode.NotFound, "NoSuchKey");
                if (ifMatch is not null && ifMatch != current) return Error(HttpStatusCode.PreconditionFailed, "PreconditionFailed");
                return await base.SendAsync(request, cancellationToken);
            }
            finally
            {
                owner._writes.Release();
            }
        }

        private static HttpResponseMessage Error(HttpStatusCode status, string code) => new(status)
        {
            Content = new StringContent(
                $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>condition not met (test gate)</Message></Error>",
                Encoding.UTF8, "application/xml"),
        };
    }
}
