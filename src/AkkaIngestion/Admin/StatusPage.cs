using System.Reflection;

namespace AkkaIngestion.Admin;

/// <summary>The live status page: one HTML file embedded in the assembly, served at "/".</summary>
public static class StatusPage
{
    private const string ResourceName = "AkkaIngestion.StatusPage.html";

    public static string Html { get; } = Load();

    private static string Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the status page resource {ResourceName} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
