using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Nabla.Data;

namespace Nabla.Tests.Data;

/// <summary>
/// Downloads from a local HTTP server: files kept only when their checksum matches, nothing half-written
/// left behind, mirrors tried in order, and the real FashionMNIST table checked end to end by serving
/// Debian's (recompressed) files.
/// </summary>
public sealed class DownloadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nabla-download-").FullName;
    private readonly LocalServer _server = new();

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_dir, true);
    }

    private static (RemoteFile File, byte[] Bytes) Sample(string name, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return (new RemoteFile(name, Convert.ToHexStringLower(MD5.HashData(bytes))), bytes);
    }

    [Fact]
    public void Fetch_keeps_files_whose_md5_matches_and_reports_progress()
    {
        var a = Sample("a.bin", 300_000, 1);
        var b = Sample("b.bin", 10, 2);
        _server.Serve("/x/a.bin", a.Bytes);
        _server.Serve("/x/b.bin", b.Bytes);
        var source = new DatasetSource("toy", "Toy", [_server.Url + "x/"], [a.File, b.File]);
        var seen = new List<DownloadProgress>();
        using var http = Download.CreateClient();
        Download.Fetch(source, _dir, http, progress: seen.Add);
        Assert.Equal(a.Bytes, File.ReadAllBytes(Path.Combine(_dir, "a.bin")));
        Assert.Equal(b.Bytes, File.ReadAllBytes(Path.Combine(_dir, "b.bin")));
        Assert.Contains(new DownloadProgress("a.bin", 300_000, 300_000), seen);
        Assert.True(seen.Count(p => p.File == "a.bin") > 2);
        Assert.Empty(Directory.GetFiles(_dir, "*.part"));

        // Already there and right: not fetched again.
        int requests = _server.Requests;
        Download.Fetch(source, _dir, http);
        Assert.Equal(requests, _server.Requests);
    }

    [Fact]
    public void A_wrong_or_short_file_is_refused_and_nothing_is_left()
    {
        var good = Sample("good.bin", 5000, 3);
        _server.Serve("/bad/good.bin", [.. good.Bytes[..4999], 0]);
        _server.Serve("/short/good.bin", good.Bytes, announce: 9000);
        using var http = Download.CreateClient();
        var wrong = Assert.Throws<DownloadException>(() =>
            Download.Fetch(new DatasetSource("toy", "Toy", [_server.Url + "bad/"], [good.File]), _dir, http));
        Assert.Contains("checksum mismatch", wrong.Message);
        Assert.Contains(good.File.Md5, wrong.Message);
        Assert.Contains(_server.Url + "bad/good.bin", wrong.Message);
        var cut = Assert.Throws<DownloadException>(() =>
            Download.Fetch(new DatasetSource("toy", "Toy", [_server.Url + "short/"], [good.File]), _dir, http));
        Assert.Contains(_server.Url + "short/good.bin", cut.Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Mirrors_are_tried_in_order_and_every_failure_is_named()
    {
        var f = Sample("f.bin", 1000, 4);
        _server.Serve("/second/f.bin", f.Bytes);
        int closed = FreePort();
        var source = new DatasetSource("toy", "Toy", [$"http://127.0.0.1:{closed}/", _server.Url + "missing/", _server.Url + "second/"], [f.File]);
        using var http = Download.CreateClient(connectSeconds: 5);
        Download.Fetch(source, _dir, http);
        Assert.Equal(f.Bytes, File.ReadAllBytes(Path.Combine(_dir, "f.bin")));

        File.Delete(Path.Combine(_dir, "f.bin"));
        var none = new DatasetSource("toy", "Toy", [$"http://127.0.0.1:{closed}/", _server.Url + "missing/"], [f.File]);
        var e = Assert.Throws<DownloadException>(() => Download.Fetch(none, _dir, http));
        Assert.Contains($"127.0.0.1:{closed}/f.bin", e.Message);
        Assert.Contains("HTTP 404", e.Message);
    }

    [Fact]
    public void Fashion_mnist_from_a_recompressing_mirror_is_recognised_by_its_content()
    {
        foreach (var file in Download.FashionMnist.Files)
            _server.Serve("/fashion/" + file.Name, File.ReadAllBytes(Path.Combine(Catalog.DebianFashionMnist, file.Name)));
        string target = Path.Combine(_dir, "fashion-mnist");
        var (code, output, err) = Cli.CliTests.Run("data", "get", "fashion-mnist", "--source", "download", "--mirror", _server.Url + "fashion/", "--out", target);
        Assert.True(code == 0, err);
        Assert.Contains("60,000 training and 10,000 test images", output);
        var split = Catalog.LoadFolder(target, Catalog.FashionMnist);
        Assert.Equal(60_000, split.Train.Count);
        Assert.Equal(split.Test.Checksum(), Catalog.LoadFolder(Catalog.DebianFashionMnist, Catalog.FashionMnist).Test.Checksum());

        // A mirror serving something else: refused, one line, nothing kept.
        string other = Path.Combine(_dir, "other");
        _server.Serve("/evil/train-images-idx3-ubyte.gz", Gzip(new byte[1000]));
        var refused = Cli.CliTests.Run("data", "get", "fashion-mnist", "--source", "download", "--mirror", _server.Url + "evil/", "--out", other);
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("checksum mismatch", refused.Err);
        Assert.False(Directory.Exists(other));
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(data);
        return ms.ToArray();
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>A tiny HTTP server on 127.0.0.1: fixed bodies by path, 404 otherwise, optionally announcing more bytes than it sends.</summary>
    private sealed class LocalServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Dictionary<string, (byte[] Body, long? Announce)> _files = [];
        private int _requests;

        public LocalServer()
        {
            Url = $"http://127.0.0.1:{FreePort()}/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(Loop);
        }

        public string Url { get; }
        public int Requests => Volatile.Read(ref _requests);

        public void Serve(string path, byte[] body, long? announce = null)
        {
            lock (_files) _files[path] = (body, announce);
        }

        private async Task Loop()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                Interlocked.Increment(ref _requests);
                (byte[] Body, long? Announce) file;
                bool found;
                lock (_files) found = _files.TryGetValue(context.Request.Url!.AbsolutePath, out file);
                try
                {
                    if (!found)
                    {
                        context.Response.StatusCode = 404;
                        context.Response.Close();
                        continue;
                    }
                    context.Response.ContentLength64 = file.Announce ?? file.Body.Length;
                    await context.Response.OutputStream.WriteAsync(file.Body);
                    if (file.Announce is not null) context.Response.Abort();
                    else context.Response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or IOException or InvalidOperationException) { context.Response.Abort(); }
            }
        }

        public void Dispose() => _listener.Close();
    }
}
