#!/usr/bin/env python3
"""der_patch.py IN OUT FROM TO: copy the DER file IN to OUT with every
INTEGER whose value is FROM set to TO, the lengths around it fixed.

Descends into constructed values and into OCTET STRINGs (and implicit
[0] values) whose contents are DER themselves, as PKCS#12 nests its
parts; a value that does not change keeps its bytes exactly.  For the
tests of hostile key-derivation parameters (t_import_kdf.sh): openssl
writes a file with a marker count cheaply, this sets the real one.
"""
import sys


def header(b, i):
    if i + 2 > len(b):
        raise ValueError("short")
    tag = b[i]
    n = b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or i + k > len(b):
            raise ValueError("bad length")
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    if i + n > len(b):
        raise ValueError("short")
    return tag, i, i + n


def enc_len(n):
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def enc_int(v):
    raw = v.to_bytes((v.bit_length() + 8) // 8, "big", signed=True)
    return b"\x02" + enc_len(len(raw)) + raw


def patch_seq(b, frm, to):
    """b holds whole DER values back to back: the patched bytes, or None
    when b is not DER (or nothing in it changed)."""
    out, i, changed = b"", 0, False
    while i < len(b):
        tag, s, e = header(b, i)
        new = patch_value(tag, b[s:e], frm, to)
        if new is None:
            out += b[i:e]
        else:
            out += new
            changed = True
        i = e
    return out if changed else None


def patch_value(tag, body, frm, to):
    if tag == 0x02:
        if int.from_bytes(body, "big", signed=True) == frm:
            return enc_int(to)
        return None
    if tag & 0x20 or tag in (0x04, 0x80):
        # An OCTET STRING may hold DER, or random bytes (a salt, a
        # ciphertext) that only look like it for a while.
        try:
            inner = patch_seq(body, frm, to)
        except ValueError:
            return None
        if inner is not None:
            return bytes([tag]) + enc_len(len(inner)) + inner
    return None


def main():
    src, dst, frm, to = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    data = open(src, "rb").read()
    out = patch_seq(data, frm, to)
    if out is None:
        sys.exit("der_patch.py: no INTEGER %d in %s" % (frm, src))
    open(dst, "wb").write(out)


main()
