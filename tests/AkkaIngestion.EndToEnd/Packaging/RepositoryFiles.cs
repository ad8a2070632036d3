namespace AkkaIngestion.EndToEnd.Packaging;

/// <summary>Files of this repository, found from the test binaries upwards, so the checks read what is committed.</summary>
internal static class RepositoryFiles
{
    public static readonly string Root = FindRoot();

    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relativePath) => File.ReadAllText(PathOf(relativePath));

    public static bool Exists(string relativePath) => File.Exists(PathOf(relativePath)) || Directory.Exists(PathOf(relativePath));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AkkaIngestion.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException($"no AkkaIngestion.sln above {AppContext.BaseDirectory}");
    }
}
