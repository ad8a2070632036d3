using System.Net;
using AkkaIngestion.Admin;
using AkkaIngestion.Aws;
using AkkaIngestion.Cli;

namespace AkkaIngestion.EndToEnd.Packaging;

/// <summary>
/// docker/compose.yaml, checked without a docker engine: it parses, pulls pinned images, and hands akka-ingest only
/// arguments the real command line accepts (parsed by the same <see cref="CliApp.BuildRoot"/> the executable uses).
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly ComposeFile Compose = ComposeFile.Load();

    [Fact]
    public void It_has_the_stand_ins_a_setup_and_three_nodes()
    {
        Assert.Subset(Compose.Services.Keys.ToHashSet(), new HashSet<string> { "minio", "elasticmq", "setup", "node1", "node2", "node3" });
        Assert.Equal("setup", Compose.Services["setup"].Command.FirstOrDefault());
        Assert.Equal(["node1", "node2", "node3"], Compose.Nodes.Select(n => n.Name).Order());
    }

    [Fact]
    public void Every_image_is_pinned_and_every_service_has_one_or_builds_it()
    {
        var problems = Compose.Services.Values
            .Select(s => s.Image is { } image ? ImageReference.PinningProblem(image) : s.Dockerfile is null ? $"{s.Name}: no image and no build" : null)
            .OfType<string>();
        Assert.Empty(problems);
    }

    [Fact]
    public void Akka_ingest_services_pass_only_verbs_and_options_the_cli_accepts()
    {
        Assert.NotEmpty(Compose.AkkaIngestServices);
        foreach (var service in Compose.AkkaIngestServices)
        {
            var parsed = CliApp.BuildRoot().Parse(service.Command.ToArray());
            Assert.True(parsed.Errors.Count == 0,
                $"{service.Name}: akka-ingest {string.Join(' ', service.Command)}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
            Assert.NotEqual("akka-ingest", parsed.CommandResult.Command.Name);
        }
    }

    [Fact]
    public void Setup_and_every_node_use_the_same_bucket_and_queue_and_both_are_valid()
    {
        var stores = Compose.AkkaIngestServices.Select(s => s.Option("--store")).Distinct().ToList();
        var queues = Compose.AkkaIngestServices.Select(s => s.Option("--queue")).Distinct().ToList();
        Assert.Single(stores);
        Assert.Single(queues);
        AwsLocation.ParseS3(stores[0]!);
        AwsLocation.ParseSqs(queues[0]!);
    }

    [Fact]
    public void The_aws_variables_point_at_the_stand_ins_with_their_credentials()
    {
        var minio = Compose.Services["minio"].Environment;
        foreach (var service in Compose.AkkaIngestServices)
        {
            var environment = service.Environment;
            Assert.Equal("http://minio:9000", environment.GetValueOrDefault("AWS_ENDPOINT_URL_S3"));
            Assert.Equal("http://elasticmq:9324", environment.GetValueOrDefault("AWS_ENDPOINT_URL_SQS"));
            Assert.False(string.IsNullOrWhiteSpace(environment.GetValueOrDefault("AWS_REGION")), $"{service.Name}: AWS_REGION");
            Assert.Equal(minio["MINIO_ROOT_USER"], environment.GetValueOrDefault("AWS_ACCESS_KEY_ID"));
            Assert.Equal(minio["MINIO_ROOT_PASSWORD"], environment.GetValueOrDefault("AWS_SECRET_ACCESS_KEY"));
        }
    }

    [Fact]
    public void Nodes_form_one_cluster_seeded_by_a_node_of_this_file()
    {
        foreach (var node in Compose.Nodes)
        {
            Assert.Equal(node.Name, node.Option("--cluster-host"));
            var port = node.Option("--cluster-port");
            Assert.Contains(port, DockerfileTests.ExposedPorts());
            var seeds = AkkaIngestion.Cluster.SeedNodes.Parse(node.Option("--seed-nodes") ?? "");
            Assert.NotEmpty(seeds);
            foreach (var seed in seeds)
            {
                var seedNode = Compose.Nodes.SingleOrDefault(n => $"{n.Option("--cluster-host")}:{n.Option("--cluster-port")}" == seed);
                Assert.True(seedNode is not null, $"{node.Name}: seed {seed} is not a node's --cluster-host:--cluster-port");
            }
        }
        // Every node names the same seeds, or two clusters could form.
        Assert.Single(Compose.Nodes.Select(n => n.Option("--seed-nodes")).Distinct());
    }

    [Fact]
    public void Nodes_start_only_after_setup_succeeded_and_setup_after_the_stand_ins()
    {
        foreach (var node in Compose.Nodes)
            Assert.Equal("service_completed_successfully", node.DependsOn.GetValueOrDefault("setup"));
        var setup = Compose.Services["setup"].DependsOn;
        Assert.Equal("service_healthy", setup.GetValueOrDefault("minio"));
        Assert.Contains(setup.GetValueOrDefault("elasticmq"), new[] { "service_started", "service_healthy" });
    }

    [Fact]
    public void Every_node_admin_address_passes_the_nodes_own_check_with_its_token()
    {
        foreach (var node in Compose.Nodes)
        {
            var text = node.Option("--admin");
            Assert.True(text is not null, $"{node.Name}: no --admin, so its endpoint is on the container's loopback only");
            // The node's own rule: a non-loopback address without AKKA_INGEST_ADMIN_TOKEN refuses to start.
            var admin = AdminAddress.Parse(text, node.Environment.GetValueOrDefault(AdminAddress.TokenVariable), isDefault: false);
            Assert.False(IPAddress.IsLoopback(admin.EndPoint!.Address), $"{node.Name}: --admin {text} is unreachable from outside the container");
            Assert.Contains(admin.EndPoint.Port.ToString(), DockerfileTests.ExposedPorts());
        }
    }

    [Fact]
    public void Only_node1s_admin_endpoint_is_published_and_only_on_the_hosts_loopback()
    {
        var published = Compose.Services.Values.Where(s => s.Strings("ports").Count > 0).ToList();
        var node1 = Assert.Single(published);
        Assert.Equal("node1", node1.Name);
        var adminPort = IPEndPoint.Parse(node1.Option("--admin")!).Port;
        Assert.Equal([$"127.0.0.1:{adminPort}:{adminPort}"], node1.Strings("ports"));
    }

    [Fact]
    public void Files_mounted_from_the_repository_exist()
    {
        var mounted = Compose.Services.Values.SelectMany(s => s.Strings("volumes"))
            .Select(volume => volume.Split(':')[0]).Where(source => source.StartsWith("./") || source.StartsWith("../")).ToList();
        Assert.NotEmpty(mounted);
        var missing = mounted.Where(source => !File.Exists(Path.Combine(RepositoryFiles.PathOf("docker"), source))).ToList();
        Assert.True(missing.Count == 0, "mounted but not in docker/: " + string.Join(", ", missing));
    }
}
