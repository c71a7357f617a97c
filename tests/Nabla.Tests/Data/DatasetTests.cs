using Nabla.Data;
using Nabla.Randomness;
using Nabla.Tensors;

namespace Nabla.Tests.Data;

/// <summary>The real FashionMNIST files (Debian's dataset-fashion-mnist, installed by .ci/run) and the preparation steps.</summary>
public class FashionMnistTests
{
    private static readonly Lazy<DataSplit> Split = new(() => Catalog.LoadFolder(Catalog.DebianFashionMnist, Catalog.FashionMnist));

    [Fact]
    public void Counts_classes_and_checksum_are_those_of_the_published_set()
    {
        var s = Split.Value;
        Assert.Equal("FashionMNIST", s.Title);
        Assert.Equal(60_000, s.Train.Count);
        Assert.Equal(10_000, s.Test.Count);
        Assert.All(s.Train.ClassCounts(), c => Assert.Equal(6_000, c));
        Assert.All(s.Test.ClassCounts(), c => Assert.Equal(1_000, c));
        Assert.Equal([28, 28], s.Train.SampleShape);
        Assert.Equal("Ankle boot", s.Train.ClassNames[9]);
        Assert.Equal((0.0, 255.0), s.Train.ValueRange());
        // Pixels and labels exactly as in the files: SHA-256 of the values as `zcat FILE | tail -c +17 | sha256sum`
        // (labels: tail -c +9) prints them.
        Assert.Equal("2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012", Sha256(s.Train, pixels: true));
        Assert.Equal("657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7", Sha256(s.Train, pixels: false));
        Assert.Equal("c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a", Sha256(s.Test, pixels: true));
        Assert.Equal("3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9", Sha256(s.Test, pixels: false));
        Assert.Equal(9, s.Train.Labels[0]); // the first training image is an ankle boot
    }

    private static string Sha256(Dataset d, bool pixels)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        for (int i = 0; i < d.Count; i++)
        {
            if (pixels) sha.AppendData(d.ByteRow(i));
            else sha.AppendData([(byte)d.Labels[i]]);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    [Fact]
    public void Half_of_each_class_as_the_homework_asks()
    {
        var half = Preparation.StratifiedSubsample(Split.Value.Train, 0.5, new Rng(1));
        Assert.Equal(30_000, half.Count);
        Assert.All(half.ClassCounts(), c => Assert.Equal(3_000, c));
        var again = Preparation.StratifiedSubsample(Split.Value.Train, 0.5, new Rng(1));
        Assert.Equal(half.Checksum(), again.Checksum());
        Assert.NotEqual(half.Checksum(), Preparation.StratifiedSubsample(Split.Value.Train, 0.5, new Rng(2)).Checksum());
    }
}

public class PreparationTests
{
    private static Dataset Toy(int perClass = 10, int classes = 3)
    {
        int n = perClass * classes;
        var pixels = new byte[n * 2];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % classes;
            pixels[2 * i] = (byte)i;      // feature 0 identifies the sample
            pixels[2 * i + 1] = (byte)labels[i];
        }
        return Dataset.FromBytes("toy", [2], pixels, labels, classes);
    }

    [Fact]
    public void Labels_stay_with_their_samples()
    {
        var data = Toy();
        var sub = Preparation.StratifiedSubsample(data, 0.5, new Rng(3));
        for (int i = 0; i < sub.Count; i++) Assert.Equal(sub.Labels[i], sub.ByteRow(i)[1]);
        Assert.All(sub.ClassCounts(), c => Assert.Equal(5, c));
    }

    [Fact]
    public void Validation_split_is_stratified_disjoint_and_seeded()
    {
        var data = Toy(perClass: 20);
        var (train, validation) = Preparation.ValidationSplit(data, 0.25, new Rng(5));
        Assert.Equal(45, train.Count);
        Assert.Equal(15, validation.Count);
        Assert.All(validation.ClassCounts(), c => Assert.Equal(5, c));
        var ids = Enumerable.Range(0, train.Count).Select(i => train.ByteRow(i)[0]).Concat(Enumerable.Range(0, validation.Count).Select(i => validation.ByteRow(i)[0]));
        Assert.Equal(60, ids.Distinct().Count());
        var (train2, _) = Preparation.ValidationSplit(data, 0.25, new Rng(5));
        Assert.Equal(train.Checksum(), train2.Checksum());
    }

    [Fact]
    public void Apportion_is_exact()
    {
        Assert.Equal([200, 225, 198, 206, 196, 173, 203, 214, 189, 196], Preparation.Apportion([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978], 2000));
        Assert.Equal(2000, Preparation.Apportion([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978], 2000).Sum());
        Assert.Equal([1, 1, 1], Preparation.Apportion([5, 5, 5], 3));
    }

    [Fact]
    public void Even_digits_become_one_and_odd_zero()
    {
        var digits = Dataset.FromBytes("d", [1], new byte[10], Enumerable.Range(0, 10).ToArray(), 10);
        var binary = Preparation.RelabelEvenOdd(digits);
        Assert.Equal([1, 0, 1, 0, 1, 0, 1, 0, 1, 0], binary.Labels.ToArray());
        Assert.Equal(2, binary.Classes);
        Assert.Equal("even", binary.ClassNames[1]);
    }

    [Fact]
    public void Bad_fractions_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Preparation.StratifiedSubsample(Toy(), 0, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Preparation.StratifiedSubsample(Toy(), 1.5, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Preparation.ValidationSplit(Toy(), 1, new Rng(1)));
    }

    [Fact]
    public void Standardization_uses_training_statistics()
    {
        var data = Toy();
        var norm = Normalization.Standardize(data);
        var all = new float[data.Count];
        var row = new float[2];
        for (int i = 0; i < data.Count; i++)
        {
            norm.Apply(data, i, row.AsSpan());
            all[i] = row[0];
        }
        Assert.Equal(0, all.Average(), 5);
        Assert.Equal(1, Math.Sqrt(all.Select(v => (double)v * v).Average()), 4);
        var plain = Normalization.For(data);
        plain.Apply(data, 29, row.AsSpan());
        Assert.Equal(29 / 255f, row[0]);
    }
}

public class BatchLoaderTests
{
    private static Dataset Data(int n, int classes = 4)
    {
        var pixels = Enumerable.Range(0, n).Select(i => (byte)i).ToArray();
        return Dataset.FromBytes("seq", [1], pixels, Enumerable.Range(0, n).Select(i => i % classes).ToArray(), classes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(50)]
    [InlineData(1000)]
    public void Each_epoch_visits_every_sample_once(int batch)
    {
        var loader = new BatchLoader<float>(Data(50), batch, Normalization.For(Data(50)), 4, new Rng(1));
        var epochs = new List<List<int>>();
        for (int e = 0; e < 3; e++)
        {
            var seen = new List<int>();
            for (int b = 0; b < loader.BatchesPerEpoch; b++)
            {
                loader.Next();
                for (int r = 0; r < loader.X.Rows; r++)
                {
                    int id = (int)Math.Round(loader.X[r, 0] * 255);
                    seen.Add(id);
                    Assert.Equal(1f, loader.Y[r, id % 4]); // one-hot target matches the sample
                }
            }
            Assert.Equal(Enumerable.Range(0, 50), seen.Order());
            epochs.Add(seen);
        }
        if (batch < 50) Assert.NotEqual(epochs[0], epochs[1]); // reshuffled each epoch
        Assert.Equal(3, loader.Epoch);
    }

    [Fact]
    public void Fixed_order_without_a_generator_and_drop_last()
    {
        var loader = new BatchLoader<double>(Data(10), 4, Normalization.For(Data(10)), 4, shuffle: null, dropLast: true);
        Assert.Equal(2, loader.BatchesPerEpoch);
        loader.Next();
        loader.Next();
        Assert.Equal(4, loader.X.Rows);
        Assert.Equal(7 / 255.0, loader.X[3, 0], 12);
        loader.Next(); // a new epoch, not the 2-sample remainder
        Assert.Equal(0, loader.X[0, 0]);
        Assert.Equal(2, loader.Epoch);
    }

    [Fact]
    public void One_output_networks_get_the_label_as_target()
    {
        var loader = new BatchLoader<float>(Data(6, classes: 2), 6, Normalization.For(Data(6, 2)), 1, null);
        loader.Next();
        Assert.Equal([0f, 1f, 0f, 1f, 0f, 1f], loader.Y.Span.ToArray());
        Assert.Throws<ArgumentException>(() => new BatchLoader<float>(Data(6, 4), 2, Normalization.For(Data(6, 4)), 1, null));
        Assert.Throws<ArgumentException>(() => new BatchLoader<float>(Data(6, 4), 2, Normalization.For(Data(6, 4)), 3, null));
    }

    [Fact]
    public void Batches_allocate_nothing()
    {
        var data = Data(200);
        var loader = new BatchLoader<float>(data, 32, Normalization.For(data), 4, new Rng(1));
        for (int i = 0; i < 20; i++) loader.Next();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) loader.Next();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
