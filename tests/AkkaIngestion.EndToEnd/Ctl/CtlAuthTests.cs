namespace AkkaIngestion.EndToEnd.Ctl;

/// <summary>A node with AKKA_INGEST_ADMIN_TOKEN set answers 401 to a request without that bearer token.</summary>
public sealed class CtlAuthTests : IAsyncLifetime
{
    private const string Token = "s3cret-token";
    private AdminApiStub _stub = null!;

    public async Task InitializeAsync() => _stub = await AdminApiStub.StartAsync(Token);

    public async Task DisposeAsync() => await _stub.DisposeAsync();

    [Fact]
    public async Task The_token_is_sent_as_a_bearer_token()
    {
        var result = await InProcessCtl.RunAsync("--node", _stub.Node, "--token", Token, "actor", "count", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(_stub.Requests.TryDequeue(out var request));
        Assert.Equal("Bearer " + Token, request.Authorization);
    }

    [Theory]
    [InlineData(null, "wants a token (401); pass --token or set AKKA_INGEST_ADMIN_TOKEN")]
    [InlineData("wrong", "refused the token (401); check --token or AKKA_INGEST_ADMIN_TOKEN")]
    public async Task A_missing_or_wrong_token_is_one_line_and_exit_2(string? token, string problem)
    {
        var result = await InProcessCtl.RunAsync(["--node", _stub.Node, .. token is null ? Array.Empty<string>() : ["--token", token], "ingest", "status"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal($"akka-ingest ctl: the node at {_stub.Node} {problem}", result.Stderr.Trim());
    }
}
