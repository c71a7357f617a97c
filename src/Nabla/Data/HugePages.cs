using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Data;

/// <summary>
/// Byte arrays for a whole dataset's pixels (47 MB for FashionMNIST's training images). A minibatch reads
/// rows in shuffled order, each on another 4 KB page, so every row also misses the address-translation
/// cache; on Linux the array is therefore pinned and its interior asked for 2 MB pages
/// (<c>madvise(MADV_HUGEPAGE)</c>, before the array is first written, which is when pages are given).
/// Only a hint: where it is refused or unavailable the array is the same, on 4 KB pages.
/// </summary>
internal static partial class HugePages
{
    private const int Page = 2 << 20, MadvHugePage = 14;

    /// <summary>Arrays smaller than this are plain ones.</summary>
    public const int MinimumLength = 4 * Page;

    /// <summary>An array of <paramref name="length"/> bytes that the caller must fill entirely (its contents start undefined).</summary>
    public static unsafe byte[] Uninitialized(long length)
    {
        if (length < MinimumLength || !OperatingSystem.IsLinux()) return new byte[length];
        var array = GC.AllocateUninitializedArray<byte>(checked((int)length), pinned: true);
        nint start = (nint)Unsafe.AsPointer(ref array[0]);
        nint first = (start + Page - 1) & ~(nint)(Page - 1), end = (start + (nint)length) & ~(nint)(Page - 1);
        try
        {
            if (end > first) _ = Madvise(first, (nuint)(end - first), MadvHugePage);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc to ask: 4 KB pages.
        }
        return array;
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
