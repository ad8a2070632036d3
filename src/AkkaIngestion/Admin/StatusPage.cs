namespace AkkaIngestion.Admin;

/// <summary>The live status page served at GET / (Admin/StatusPage/index.html, embedded: one file, no build step).</summary>
public static class StatusPage
{
    public const string ResourceName = "AkkaIngestion.StatusPage.html";

    public static string Html { get; } = Load();

    private static string Load()
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the embedded resource {ResourceName} is missing from {typeof(StatusPage).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
