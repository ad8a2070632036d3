using AkkaIngestion.Feeds;

namespace AkkaIngestion.Tests.Scheduling;

public class HourNamingTests
{
    private static DateTime Utc(int y, int m, int d, int h) => new(y, m, d, h, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(2015, 1, 1, 15, "2015-01-01-15.json.gz")]
    [InlineData(2015, 1, 1, 0, "2015-01-01-0.json.gz")]
    [InlineData(2024, 2, 29, 23, "2024-02-29-23.json.gz")]
    public void Names_hours_like_gh_archive(int y, int m, int d, int h, string expected)
    {
        Assert.Equal(expected, HourFileNaming.GhArchive.NameOf(Utc(y, m, d, h)));
        Assert.True(HourFileNaming.GhArchive.TryParse(expected, out var back));
        Assert.Equal(Utc(y, m, d, h), back);
        Assert.Equal(DateTimeKind.Utc, back.Kind);
    }

    [Theory]
    [InlineData("2023-03-31-23.json.gz", "2023-04-01-0.json.gz")] // the replaced design read the month as minutes and wrapped to March 1
    [InlineData("2024-02-28-23.json.gz", "2024-02-29-0.json.gz")]
    [InlineData("2024-02-29-23.json.gz", "2024-03-01-0.json.gz")]
    [InlineData("2023-02-28-23.json.gz", "2023-03-01-0.json.gz")]
    [InlineData("2015-12-31-23.json.gz", "2016-01-01-0.json.gz")]
    public void Next_hour_crosses_month_leap_day_and_year_ends(string name, string next)
    {
        Assert.True(HourFileNaming.GhArchive.TryParse(name, out var hour));
        Assert.Equal(next, HourFileNaming.GhArchive.NameOf(ArchiveHour.Next(hour)));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("http://evil/x")]
    [InlineData("junk")]
    [InlineData("2015-01-01-05.json.gz")]
    [InlineData("2015-01-01-24.json.gz")]
    [InlineData("2015-02-29-1.json.gz")]
    [InlineData("2015-1-01-1.json.gz")]
    [InlineData("/2015-01-01-1.json.gz")]
    [InlineData("2015-01-01-1.json.gz/../x")]
    [InlineData("2015-01-01-1.json")]
    [InlineData(" 2015-01-01-1.json.gz")]
    [InlineData("")]
    public void Rejects_anything_that_is_not_exactly_an_hour_file_name(string name)
    {
        Assert.False(HourFileNaming.GhArchive.TryParse(name, out _));
    }

    [Theory]
    [InlineData("2024-13-01T00", "not an hour")]
    [InlineData("2024-02-30T00", "not an hour")]
    [InlineData("2024-01-01T24", "not an hour")]
    [InlineData("yesterday", "not an hour")]
    [InlineData("", "required")]
    public void Command_line_hours_are_checked(string text, string expectedError)
    {
        Assert.False(ArchiveHour.TryParse(text, out _, out var error));
        Assert.Contains(expectedError, error);
    }

    [Fact]
    public void A_pattern_that_cannot_name_each_hour_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new HourFileNaming("yyyy-MM-dd'.json.gz'"));
        Assert.Throws<ArgumentException>(() => new HourFileNaming("yyyy/MM/dd-H'.json.gz'"));
    }
}
