using System.Text.RegularExpressions;

namespace AkkaIngestion.EndToEnd.Packaging;

/// <summary>
/// A container image reference (<c>registry/name:tag@digest</c>) and whether it is pinned: a digest, or a tag down to a
/// patch-level version (three numbers: 10.0.12-noble, 1.6.15, RELEASE.2025-09-07T16-13-09Z). A floating tag (latest,
/// 10.0, none at all) gives a different image on a later pull.
/// </summary>
internal static partial class ImageReference
{
    public static string? PinningProblem(string reference)
    {
        var at = reference.IndexOf('@');
        if (at >= 0) return Digest().IsMatch(reference[(at + 1)..]) ? null : $"{reference}: the digest is not sha256:<64 hex digits>";
        var colon = reference.LastIndexOf(':');
        if (colon < 0 || colon < reference.LastIndexOf('/')) return $"{reference}: no tag (that means latest)";
        var tag = reference[(colon + 1)..];
        if (tag.Equals("latest", StringComparison.OrdinalIgnoreCase)) return $"{reference}: latest is not a version";
        return Number().Matches(tag).Count >= 3 ? null : $"{reference}: tag {tag} floats (name a patch version, e.g. 1.2.3)";
    }

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex Digest();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Number();
}
