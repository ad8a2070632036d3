using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AkkaIngestion.Storage;

/// <summary>
/// The embedded store: a local directory. Key <c>raw/X</c> is the file <c>&lt;root&gt;/raw/X</c>, its record the JSON file
/// <c>&lt;root&gt;/raw/X.record.json</c> beside it. Writes go to <c>&lt;root&gt;/.incoming/</c>, are flushed to disk and
/// renamed into place, so a reader (or a crash) never sees half a file.
/// </summary>
/// <remarks>
/// A text object's version is the lower-case hex SHA-256 of its content, like an S3 ETag: the file stays plain text an
/// operator can read, and the same content always has the same version on every store. As with S3, a writer holding
/// version A still succeeds after the content went A → B → A; the bookmark only moves forward, so that cannot happen to it.
/// </remarks>
public sealed class DirectoryStore : IObjectStore
{
    public const string RecordSuffix = ".record.json";
    private const string IncomingFolder = ".incoming";
    private const string LocksFolder = ".locks";
    private static readonly TimeSpan StaleUploadAge = TimeSpan.FromHours(1);
    private static readonly TimeSpan LockPatience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LockRetryDelay = TimeSpan.FromMilliseconds(5);
    private static readonly JsonSerializerOptions RecordJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly string _root;
    private readonly string _incoming;
    private readonly string _locks;
    private int _incomingSwept;

    public DirectoryStore(string root)
    {
        if (string.IsNullOrWhiteSpace(root))
            throw new ArgumentException("a store directory is required", nameof(root));
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _incoming = Path.Combine(_root, IncomingFolder);
        _locks = Path.Combine(_root, LocksFolder);
    }

    public string Location => $"directory {_root}";

    public async Task CheckReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            PrepareIncoming();
            var probe = NewIncomingPath();
            await using (var stream = OpenNew(probe))
                await stream.WriteAsync("probe"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreUnavailableException($"store directory {_root} cannot be written: {e.Message}", e);
        }
    }

    public async Task<ObjectRecord?> GetRecordAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        return await ReadTrustedRecordAsync(path, cancellationToken).ConfigureAwait(false);
    }

    public Task<IObjectUpload> BeginUploadAsync(string key, long? expectedLength, CancellationToken cancellationToken)
    {
        var target = PathOf(key);
        PrepareIncoming();
        var temp = NewIncomingPath();
        IObjectUpload upload = new Upload(this, target, temp, OpenNew(temp));
        return Task.FromResult(upload);
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous);
        return Task.FromResult(stream);
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ValidatePrefix(prefix);
        var folder = prefix.Contains('/') ? prefix[..prefix.LastIndexOf('/')] : "";
        var start = folder.Length == 0 ? _root : Path.Combine(_root, folder);
        if (!Directory.Exists(start)) yield break;

        var keys = Directory.EnumerateFiles(start, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(_root, path).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(key => key.StartsWith(prefix, StringComparison.Ordinal) && !IsInternal(key))
            .Order(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = Path.Combine(_root, key);
            var file = new FileInfo(path);
            if (!file.Exists) continue; // deleted while listing
            yield return new StoredObject(key, file.Length, await ReadTrustedRecordAsync(path, cancellationToken).ConfigureAwait(false));
        }
    }

    public async Task<VersionedText?> ReadTextAsync(string key, CancellationToken cancellationToken)
    {
        var content = await ReadTextOrNullAsync(PathOf(key), cancellationToken).ConfigureAwait(false);
        return content is null ? null : new VersionedText(content, VersionOf(content));
    }

    public async Task<string?> TryWriteTextAsync(string key, string content, string? expectedVersion, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        await using var exclusive = await LockAsync(key, cancellationToken).ConfigureAwait(false);
        var current = await ReadTextOrNullAsync(path, cancellationToken).ConfigureAwait(false);
        var stillExpected = expectedVersion is null ? current is null : current is not null && VersionOf(current) == expectedVersion;
        if (!stillExpected) return null;
        await PublishTextAsync(path, content, cancellationToken).ConfigureAwait(false);
        return VersionOf(content);
    }

    public async Task WriteTextAsync(string key, string content, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        // Taken so an unconditional write cannot land between a compare-and-swap's read and its rename.
        await using var exclusive = await LockAsync(key, cancellationToken).ConfigureAwait(false);
        await PublishTextAsync(path, content, cancellationToken).ConfigureAwait(false);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        // Record first: an object left without its record is re-downloaded, never trusted.
        File.Delete(path + RecordSuffix);
        File.Delete(path);
        return Task.CompletedTask;
    }

    /// <summary>The full path of <paramref name="key"/>; throws <see cref="ArgumentException"/> for anything that could leave the root.</summary>
    private string PathOf(string key)
    {
        ValidateKey(key);
        var path = Path.GetFullPath(Path.Combine(_root, key));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"store key '{key}' points outside the store", nameof(key));
        return path;
    }

    private static void ValidateKey(string key)
    {
        if (string.IsNullOrEmpty(key))
            throw new ArgumentException("a store key is required", nameof(key));
        ValidatePrefix(key);
        if (key.EndsWith('/'))
            throw new ArgumentException($"store key '{key}' names a folder, not an object", nameof(key));
        if (IsInternal(key))
            throw new ArgumentException($"store key '{key}' is reserved for the store's own files", nameof(key));
    }

    private static void ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Contains('\\') || prefix.Contains('\0'))
            throw new ArgumentException($"store key '{prefix}' contains a backslash or NUL; keys use '/' separators", nameof(prefix));
        if (prefix.StartsWith('/') || Path.IsPathRooted(prefix))
            throw new ArgumentException($"store key '{prefix}' is absolute; keys are relative to the store's root", nameof(prefix));
        var segments = prefix.Split('/');
        // The last segment of a prefix may be empty ("raw/") or partial ("raw/2015-"); every folder must be a real name.
        if (segments[..^1].Any(s => s is "" or "." or "..") || segments[^1] is "." or "..")
            throw new ArgumentException($"store key '{prefix}' has an empty, '.' or '..' segment", nameof(prefix));
    }

    private static bool IsInternal(string key) =>
        key.EndsWith(RecordSuffix, StringComparison.Ordinal)
        || key.StartsWith(IncomingFolder + "/", StringComparison.Ordinal)
        || key.StartsWith(LocksFolder + "/", StringComparison.Ordinal);

    private static string VersionOf(string content) => Convert.ToHexStringLower(SHA256.HashData(Utf8.GetBytes(content)));

    private async Task<ObjectRecord?> ReadTrustedRecordAsync(string objectPath, CancellationToken cancellationToken)
    {
        var json = await ReadTextOrNullAsync(objectPath + RecordSuffix, cancellationToken).ConfigureAwait(false);
        var file = new FileInfo(objectPath);
        if (json is null || !file.Exists) return null;
        ObjectRecord? record;
        try
        {
            record = JsonSerializer.Deserialize<ObjectRecord>(json, RecordJson);
        }
        catch (JsonException)
        {
            return null; // an unreadable record is no record: the object gets downloaded again
        }
        return record is not null && record.Size == file.Length ? record : null;
    }

    private static async Task<string?> ReadTextOrNullAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
                bufferSize: 4096, FileOptions.Asynchronous);
            using var reader = new StreamReader(stream, Utf8);
            return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private async Task PublishTextAsync(string path, string content, CancellationToken cancellationToken)
    {
        PrepareIncoming();
        var temp = NewIncomingPath();
        try
        {
            await using (var stream = OpenNew(temp))
            {
                await stream.WriteAsync(Utf8.GetBytes(content), cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// An exclusive lock on one key, across threads and processes: .NET maps FileShare.None to an OS file lock
    /// (flock on Unix), which the OS also releases when a process dies, so a crash never leaves a key locked.
    /// </summary>
    private async Task<FileStream> LockAsync(string key, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_locks);
        var path = Path.Combine(_locks, Convert.ToHexStringLower(SHA256.HashData(Utf8.GetBytes(key)))[..32] + ".lock");
        var deadline = DateTime.UtcNow + LockPatience;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
            {
                if (DateTime.UtcNow > deadline)
                    throw new StoreUnavailableException($"store key '{key}' stayed locked by another writer for {LockPatience.TotalSeconds:0} s", e);
            }
            await Task.Delay(LockRetryDelay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Creates the temp folder and, once per store, removes what a crashed run left there.</summary>
    private void PrepareIncoming()
    {
        Directory.CreateDirectory(_incoming);
        if (Interlocked.Exchange(ref _incomingSwept, 1) == 1) return;
        var staleBefore = DateTime.UtcNow - StaleUploadAge;
        foreach (var file in new DirectoryInfo(_incoming).EnumerateFiles())
        {
            if (file.LastWriteTimeUtc < staleBefore)
                file.Delete();
        }
    }

    private string NewIncomingPath() => Path.Combine(_incoming, Guid.NewGuid().ToString("N") + ".tmp");

    private static FileStream OpenNew(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);

    private sealed class Upload(DirectoryStore store, string target, string temp, FileStream content) : IObjectUpload
    {
        private bool _committed;

        public Stream Content => content;

        public async Task CommitAsync(ObjectRecord record, CancellationToken cancellationToken)
        {
            if (_committed) throw new InvalidOperationException("this upload was already committed");
            await content.FlushAsync(cancellationToken).ConfigureAwait(false);
            content.Flush(flushToDisk: true);
            if (content.Length != record.Size)
                throw new ArgumentException($"the record says {record.Size} bytes but {content.Length} were written", nameof(record));
            await content.DisposeAsync().ConfigureAwait(false);

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            // The old record goes first: beside the new object it could claim a size the new bytes happen to have.
            File.Delete(target + RecordSuffix);
            File.Move(temp, target, overwrite: true);
            _committed = true;
            await store.PublishTextAsync(target + RecordSuffix, JsonSerializer.Serialize(record, RecordJson), cancellationToken)
                .ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await content.DisposeAsync().ConfigureAwait(false);
            if (!_committed) File.Delete(temp);
        }
    }
}
