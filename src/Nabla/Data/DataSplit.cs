namespace Nabla.Data;

/// <summary>A dataset as it comes: training and test parts, where it was found, and what to call it.</summary>
/// <param name="Name">The catalog name (<c>fashion-mnist</c>, <c>mnist</c>) or the folder's name.</param>
/// <param name="Title">The name to show people, e.g. "FashionMNIST" or "MNIST (10,000-digit subset)".</param>
/// <param name="Source">Where the files were read from.</param>
public sealed record DataSplit(string Name, string Title, string Source, Dataset Train, Dataset Test);
