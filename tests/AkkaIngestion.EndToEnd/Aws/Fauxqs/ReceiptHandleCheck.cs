using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;

namespace AkkaIngestion.EndToEnd.Aws.Fauxqs;

/// <summary>
/// Stands in for SQS's check of receipt handles, which fauxqs 2.4.1 skips (it deletes nothing and reports success):
/// inside the SDK client's HTTP pipeline, DeleteMessageBatch entries carrying <see cref="Invalid"/> are moved from the
/// answer's Successful list to Failed with SQS's ReceiptHandleIsInvalid, as SQS answers them. Everything else is real.
/// </summary>
public sealed class ReceiptHandleCheck : HttpClientFactory
{
    public const string Invalid = "not-a-receipt-handle";

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Check(new SocketsHttpHandler()));

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    private sealed class Check(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (!request.Headers.TryGetValues("X-Amz-Target", out var target) || target.Single() != "AmazonSQS.DeleteMessageBatch")
                return response;
            var sent = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!;
            var invalidIds = sent["Entries"]!.AsArray()
                .Where(entry => (string?)entry!["ReceiptHandle"] == Invalid)
                .Select(entry => (string)entry!["Id"]!)
                .ToHashSet();
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!.AsObject();
            var successful = new JsonArray(answer["Successful"]!.AsArray()
                .Where(entry => !invalidIds.Contains((string)entry!["Id"]!)).Select(entry => entry!.DeepClone()).ToArray());
            var failed = new JsonArray(invalidIds.Select(id => (JsonNode)new JsonObject
            {
                ["Id"] = id,
                ["Code"] = "ReceiptHandleIsInvalid",
                ["Message"] = "The input receipt handle is invalid.",
                ["SenderFault"] = true,
            }).ToArray());
            answer["Successful"] = successful;
            answer["Failed"] = failed;
            response.Content = new StringContent(answer.ToJsonString(), Encoding.UTF8, "application/x-amz-json-1.0");
            return response;
        }
    }
}
