using System.IO.Compression;
using System.Text;

namespace AkkaIngestion.Tests.Downloading;

/// <summary>Gzip bodies built in the test itself, like the hourly JSON-lines files of GH Archive.</summary>
public static class GzipData
{
    public static byte[] JsonLines(int lines, int seed = 1)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        for (var i = 0; i < lines; i++)
            text.Append("{\"id\":").Append(i).Append(",\"actor\":\"user").Append(random.Next()).Append("\",\"payload\":\"")
                .Append(Convert.ToHexString(BitConverter.GetBytes(random.NextInt64()))).Append("\"}\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public static byte[] Compress(byte[] content, CompressionLevel level = CompressionLevel.Optimal)
    {
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, level))
            gzip.Write(content);
        return buffer.ToArray();
    }

    /// <summary>A realistic body: a few hundred KiB compressed, bigger than one copy chunk.</summary>
    public static byte[] File(int seed = 1) => Compress(JsonLines(20_000, seed));

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();
}
