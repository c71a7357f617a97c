namespace Nabla.Data.Formats;

/// <summary>What every reader of a binary format needs: open a named file (a missing one is a data error) and read exactly.</summary>
internal static class FileReading
{
    /// <summary>Opens <paramref name="path"/> and parses it with <paramref name="read"/>; a missing file becomes "no such file".</summary>
    public static T Read<T>(string path, Func<Stream, string, T> read)
    {
        try
        {
            using var file = File.OpenRead(path);
            return read(file, path);
        }
        catch (FileNotFoundException) { throw new DataFormatException(path, "no such file"); }
        catch (DirectoryNotFoundException) { throw new DataFormatException(path, "no such file"); }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns how many bytes came.</summary>
    public static int ReadFully(Stream s, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = s.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
