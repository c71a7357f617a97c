namespace Nabla.Tests.Support;

/// <summary>Files of the repository the tests were built from (README.md, scripts under bench/).</summary>
internal static class Repository
{
    public static string File(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Path.Exists(Path.Combine(dir.FullName, name)) && Directory.Exists(Path.Combine(dir.FullName, "src")))
                return Path.Combine(dir.FullName, name);
        throw new FileNotFoundException($"{name} not found above {AppContext.BaseDirectory}");
    }
}
