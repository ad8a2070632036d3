using AkkaIngestion.Feeds;
using AkkaIngestion.Tests.Storage;

namespace AkkaIngestion.Tests.Feeds;

public sealed class FeedCatalogTests : IDisposable
{
    private static readonly TimeSpan DefaultPoll = TimeSpan.FromMinutes(5);
    private readonly TempDirectory _temp = new();

    private string Write(string json)
    {
        var path = _temp.Combine(Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    private FeedConfigurationException Refused(string json)
    {
        var path = Write(json);
        var refused = Assert.Throws<FeedConfigurationException>(() => FeedCatalog.ReadFile(path, DefaultPoll));
        Assert.StartsWith(path, refused.Message);
        return refused;
    }

    [Fact]
    public void Reads_two_feeds_with_their_fields_and_defaults()
    {
        var path = Write("""
            {
              "feeds": [
                { "id": "a", "baseUrl": "http://127.0.0.1:9/x", "storePrefix": "/feeds/a/", "startHour": "2024-01-01T00", "pollInterval": "30s" },
                // comments and trailing commas are tolerated
                { "id": "b", "baseUrl": "https://example.org/", "pattern": "yyyyMMdd-HH'.gz'", "storePrefix": "feeds/b", },
              ]
            }
            """);

        var feeds = FeedCatalog.ReadFile(path, DefaultPoll);

        Assert.Equal(["a", "b"], feeds.Select(f => f.Id));
        Assert.Equal(new Uri("http://127.0.0.1:9/x/"), feeds[0].BaseUrl);
        Assert.Equal("feeds/a", feeds[0].StorePrefix);
        Assert.Equal(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc), feeds[0].StartHour);
        Assert.Equal(TimeSpan.FromSeconds(30), feeds[0].PollInterval);
        Assert.Equal("feeds/b/bookmark.txt", feeds[1].BookmarkKey);
        Assert.Equal("20240229-07.gz", feeds[1].Naming.NameOf(new DateTime(2024, 2, 29, 7, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(FeedDefinition.GhArchiveStartHour, feeds[1].StartHour);
        Assert.Equal(DefaultPoll, feeds[1].PollInterval);
    }

    [Theory]
    // Each case: the file, the line at fault, the field (or phrase) the message must name.
    [InlineData("{\"feeds\": [\n{\"id\": \"a b\", \"baseUrl\": \"http://h/\"}\n]}", 2, "feeds[0].id")]
    [InlineData("{\"feeds\": [\n{\"id\": \"a\",\n \"baseUrl\": \"ftp://h/\"}\n]}", 3, "feeds[0].baseUrl")]
    [InlineData("{\"feeds\": [\n{\"id\": \"a\", \"baseUrl\": \"http://h/\"},\n{\"id\": \"b\", \"baseUrl\": \"http://h/\",\n \"pattern\": \"yyyy-MM-dd\"}\n]}", 4, "feeds[1].pattern")]
    [InlineData("{\"feeds\": [\n{\"id\": \"a\", \"baseUrl\": \"http://h/\",\n\n \"startHour\": \"2024-13-01T00\"}\n]}", 4, "feeds[0].startHour")]
    [InlineData("{\"feeds\": [\n{\"id\": \"a\", \"baseUrl\": \"http://h/\",\n \"pollInterval\": \"-5m\"}\n]}", 3, "feeds[0].pollInterval")]
    [InlineData("{\"feeds\": [\n{\"id\": \"a\", \"baseUrl\": \"http://h/\",\n \"storePrefix\": \"x/../y\"}\n]}", 3, "feeds[0].storePrefix")]
    [InlineData("{\"feeds\": [\n{\"id\": \"a\", \"baseUrl\": \"http://h/\"},\n{\"id\": \"a\", \"baseUrl\": \"http://h/\", \"storePrefix\": \"b\"}\n]}", 3, "listed twice")]
    [InlineData("{\"feeds\": [\n{\"id\": \"a\", \"baseUrl\": \"http://h/\", \"storePrefix\": \"p\"},\n{\"id\": \"b\", \"baseUrl\": \"http://h/\",\n \"storePrefix\": \"p/\"}\n]}", 4, "already used by feed 'a'")]
    [InlineData("{\"feeds\": [\n{\"id\": \"a\", \"baseUrl\": \"http://h/\",\n \"storPrefix\": \"p\"}\n]}", 3, "feeds[0].storPrefix: unknown field")]
    [InlineData("{\"feeds\": [\n{\"id\": \"a\",\n \"baseUrl\": 7}\n]}", 3, "feeds[0].baseUrl: expected a string")]
    [InlineData("{\"feeds\": [\n{\"id\": \"a\" \"baseUrl\": \"http://h/\"}\n]}", 2, "not valid JSON")]
    [InlineData("{\"feeds\": [\n]}", 0, "no feeds are listed")]
    [InlineData("\n\n[ \"a\" ]", 3, "feeds[0] must be an object")]
    [InlineData("{\"feed\": []}", 1, "expected {\"feeds\"")]
    public void A_bad_file_is_refused_naming_the_line_and_the_field(string json, int line, string field)
    {
        var refused = Refused(json);

        if (line > 0) Assert.Contains($" line {line}: ", refused.Message);
        Assert.Contains(field, refused.Message);
    }

    [Fact]
    public void A_feed_without_an_id_is_refused_at_its_opening_brace()
    {
        var refused = Refused("{\"feeds\": [\n\n  {\"baseUrl\": \"http://h/\"}\n]}");

        Assert.Contains(" line 3: feeds[0].id", refused.Message);
    }

    [Fact]
    public void A_missing_file_is_refused_by_name()
    {
        var path = _temp.Combine("absent.json");

        var refused = Assert.Throws<FeedConfigurationException>(() => FeedCatalog.ReadFile(path, DefaultPoll));

        Assert.Contains("feeds file " + path, refused.Message);
    }

    [Fact]
    public void The_configuration_section_names_the_key_at_fault()
    {
        var feeds = new List<FeedOptions>
        {
            new() { Id = "a", BaseUrl = "http://h/" },
            new() { Id = "b", BaseUrl = "http://h/", StorePrefix = "b", StartHour = "yesterday" },
        };

        var refused = Assert.Throws<FeedConfigurationException>(() => FeedCatalog.FromConfiguration(feeds, DefaultPoll));

        Assert.StartsWith("configuration AkkaIngest:Feeds:1:startHour: ", refused.Message);
    }

    public void Dispose() => _temp.Dispose();
}
