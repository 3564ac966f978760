#!/usr/bin/env python3
"""Writes fuzz/corpus/keymat/crash-rsa-p3 and crash-rsa-unbalanced: consistent RSA-2048 keys (n = p*q,
e*d = 1 mod lcm(p-1, q-1)) whose factors are not of half n's size each (p = 3; p of 8 bits). Such a
key imported, and nettle's side-channel silent decrypt then wrote out of bounds (fixed in
mockvault/model/keymat-rsa.c). Form 1 of fuzz-keymat: RSA parts n, e, d, p, q, each with a
2-byte length. Needs sympy. Run from the repository root."""
import math
import struct

from sympy import nextprime


def i2b(n):
    return n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")


def write(name, p):
    e = 65537
    q = nextprime((1 << 2048) // p - (1 << 20))
    while True:
        n = p * q
        lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
        if n.bit_length() == 2048 and math.gcd(e, lam) == 1:
            break
        q = nextprime(q)
    d = pow(e, -1, lam)
    out = bytes([1])
    for part in (n, e, d, p, q):
        out += struct.pack(">H", len(i2b(part))) + i2b(part)
    with open("fuzz/corpus/keymat/" + name, "wb") as f:
        f.write(out)


write("crash-rsa-p3", 3)
write("crash-rsa-unbalanced", nextprime(131))
