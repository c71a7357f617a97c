using System.IO.Compression;
using System.Security.Cryptography;

namespace Nabla.Data;

/// <summary>One file of a published dataset and the checksums that identify it.</summary>
/// <param name="Name">File name, e.g. <c>train-images-idx3-ubyte.gz</c>.</param>
/// <param name="Md5">The MD5 of the file as its publishers list it.</param>
/// <param name="ContentSha256">SHA-256 of the decompressed file, for mirrors that recompress (optional).</param>
public sealed record RemoteFile(string Name, string Md5, string? ContentSha256 = null);

/// <summary>Where a dataset is published: mirrors tried in order, and its files.</summary>
public sealed record DatasetSource(string Name, string Title, IReadOnlyList<string> Mirrors, IReadOnlyList<RemoteFile> Files);

/// <summary>How far a download has got: bytes of <see cref="File"/> so far, of <see cref="Total"/> when the server says.</summary>
public readonly record struct DownloadProgress(string File, long Bytes, long? Total);

/// <summary>A download that failed on every mirror: the message names each address and why.</summary>
public sealed class DownloadException(string message) : IOException(message);

/// <summary>
/// Downloads a dataset from its official source and checks every file against its published MD5 before
/// keeping it: each file is written to <c>NAME.part</c> beside its final place, hashed as it arrives, and
/// renamed only when it matches, so a broken or partial download never looks like a dataset.
/// </summary>
public static class Download
{
    /// <summary>An environment variable naming a mirror to use instead of the official addresses.</summary>
    public const string MirrorVariable = "NABLA_DATA_MIRROR";

    /// <summary>No file of these sets is near this size; a server sending more is refused.</summary>
    public const long MaxFileBytes = 200L << 20;

    /// <summary>FashionMNIST (Zalando Research, MIT licence); MD5s from its README (and torchvision's).</summary>
    public static readonly DatasetSource FashionMnist = new(Catalog.FashionMnist, "FashionMNIST",
        ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
         "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"],
        [
            // Content SHA-256s: the decompressed files, as Debian's dataset-fashion-mnist ships them (recompressed, same bytes inside).
            new("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
            new("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
            new("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
            new("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
        ]);

    /// <summary>MNIST (LeCun, Cortes, Burges): the original site and the mirror torchvision uses, with the published MD5s.</summary>
    public static readonly DatasetSource Mnist = new(Catalog.Mnist, "MNIST",
        ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
        [
            new("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            new("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
            new("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
            new("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
        ]);

    public static DatasetSource? For(string name) => name switch
    {
        Catalog.FashionMnist => FashionMnist,
        Catalog.Mnist => Mnist,
        _ => null,
    };

    /// <summary>An HTTP client that gives up on an unreachable host within <paramref name="connectSeconds"/>.</summary>
    public static HttpClient CreateClient(int connectSeconds = 15) =>
        new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(connectSeconds) }) { Timeout = TimeSpan.FromMinutes(10) };

    /// <summary>
    /// Downloads every file of <paramref name="source"/> into <paramref name="folder"/>, trying
    /// <paramref name="mirror"/> alone when given, else each official address in turn. Files already there
    /// with the right checksum are kept. Throws <see cref="DownloadException"/> naming each failure.
    /// </summary>
    public static void Fetch(DatasetSource source, string folder, HttpClient http, string? mirror = null, Action<DownloadProgress>? progress = null)
    {
        Directory.CreateDirectory(folder);
        IReadOnlyList<string> bases = mirror is { Length: > 0 } ? [mirror.EndsWith('/') ? mirror : mirror + "/"] : source.Mirrors;
        foreach (var file in source.Files)
        {
            string target = Path.Combine(folder, file.Name);
            if (File.Exists(target) && Verify(target, file) is null) continue;
            var failures = new List<string>();
            foreach (string address in bases)
            {
                string url = address + file.Name;
                string? problem = TryFetch(url, target, file, http, progress);
                if (problem is null)
                {
                    failures.Clear();
                    break;
                }
                failures.Add($"{url}: {problem}");
            }
            if (failures.Count > 0)
                throw new DownloadException($"could not download {source.Title} {file.Name}: {string.Join("; ", failures)}");
        }
    }

    /// <summary>Null when the file is the published one, else what is wrong with it.</summary>
    public static string? Verify(string path, RemoteFile file)
    {
        string md5;
        using (var stream = File.OpenRead(path)) md5 = Convert.ToHexStringLower(MD5.HashData(stream));
        if (md5 == file.Md5) return null;
        if (file.ContentSha256 is { } expected && ContentSha256(path) == expected) return null;
        return $"checksum mismatch: MD5 {md5}, published {file.Md5}" + (file.ContentSha256 is null ? "" : " (and the decompressed content differs too)");
    }

    private static string? ContentSha256(string path)
    {
        try
        {
            using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (InvalidDataException) { return null; }
    }

    private static string? TryFetch(string url, string target, RemoteFile file, HttpClient http, Action<DownloadProgress>? progress)
    {
        string part = target + ".part";
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode) return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
            long? total = response.Content.Headers.ContentLength;
            if (total > MaxFileBytes) return $"the server announces {total:N0} bytes, more than this file can be";
            using (var body = response.Content.ReadAsStream())
            using (var output = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                var buffer = new byte[1 << 16];
                long bytes = 0;
                int n;
                progress?.Invoke(new DownloadProgress(file.Name, 0, total));
                while ((n = body.Read(buffer)) > 0)
                {
                    bytes += n;
                    if (bytes > MaxFileBytes) return $"more than {MaxFileBytes:N0} bytes: not the published file";
                    output.Write(buffer, 0, n);
                    progress?.Invoke(new DownloadProgress(file.Name, bytes, total));
                }
                if (total is { } t && bytes != t) return $"the connection ended after {bytes:N0} of {t:N0} bytes";
                output.Flush(flushToDisk: true);
            }
            if (Verify(part, file) is { } wrong) return wrong;
            File.Move(part, target, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or OperationCanceledException)
        {
            return e is TaskCanceledException or OperationCanceledException ? "timed out" : e.Message;
        }
        finally
        {
            try { if (File.Exists(part)) File.Delete(part); } catch (IOException) { }
        }
    }
}
