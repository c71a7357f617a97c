#!/usr/bin/env python3
"""Marks the GLIBCXX_3.4.32 version need of an ELF shared library weak (VER_FLG_WEAK), in place.

TorchSharp 0.107's libLibTorchSharp.so asks for GLIBCXX_3.4.32, which Debian 12's libstdc++ lacks; the
symbols it uses are there, only the version tag is newer. With the need marked weak the dynamic loader
accepts the older libstdc++.   usage: weaken_glibcxx.py FILE.so [VERSION]"""
import struct, sys

VER_FLG_WEAK = 0x2
SHT_GNU_VERNEED = 0x6ffffffe


def weaken(path, version="GLIBCXX_3.4.32"):
    data = bytearray(open(path, "rb").read())
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "a 64-bit little-endian ELF file"
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    changed = 0
    for name, kind, flags, addr, offset, size, link, info, align, entsize in sections:
        if kind != SHT_GNU_VERNEED:
            continue
        strtab = sections[link][4]
        at = offset
        for _ in range(info):  # sh_info: the number of Verneed entries
            _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, at)
            a = at + aux
            for _ in range(cnt):
                _, vflags, _, vname, vnext = struct.unpack_from("<IHHII", data, a)
                end = data.index(b"\0", strtab + vname)
                if data[strtab + vname:end].decode() == version and not vflags & VER_FLG_WEAK:
                    struct.pack_into("<H", data, a + 4, vflags | VER_FLG_WEAK)
                    changed += 1
                a += vnext
            at += nxt
    if changed:
        open(path, "wb").write(data)
    return changed


if __name__ == "__main__":
    n = weaken(sys.argv[1], *(sys.argv[2:3]))
    print(f"{sys.argv[1]}: {n} version need(s) marked weak")
