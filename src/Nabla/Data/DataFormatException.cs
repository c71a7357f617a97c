namespace Nabla.Data;

/// <summary>A data file that cannot be read as what it claims to be: names the file and what is wrong.</summary>
public sealed class DataFormatException(string file, string problem, Exception? inner = null)
    : IOException($"{file}: {problem}", inner)
{
    public string File { get; } = file;
    public string Problem { get; } = problem;
}
