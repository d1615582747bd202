#!/usr/bin/env python3
"""Make fake, well-formed tokens for rule examples and tests (never real credentials).

  fake-token.py base62-crc32 ghp_      -> ghp_ + 30 random base62 + 6-char CRC32 checksum
  fake-token.py random 40 [ALPHABET]   -> 40 random chars (default alphabet: base62)
  fake-token.py hex 32 | base32 16     -> random hex / upper base32 ([A-Z2-7])
Add --seed N for repeatable output.
"""
import argparse
import random
import string
import zlib

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def base62(n: int, width: int) -> str:
    out = ""
    while n:
        out = B62[n % 62] + out
        n //= 62
    return out.rjust(width, "0")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["base62-crc32", "random", "hex", "base32"])
    ap.add_argument("arg", help="prefix (base62-crc32) or length")
    ap.add_argument("alphabet", nargs="?", default=B62)
    ap.add_argument("--seed", type=int)
    ap.add_argument("-n", type=int, default=1, help="how many")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    for _ in range(a.n):
        if a.kind == "base62-crc32":
            body = "".join(rng.choice(B62) for _ in range(30))
            print(a.arg + body + base62(zlib.crc32(body.encode()), 6))
        else:
            alphabet = {"hex": "0123456789abcdef", "base32": string.ascii_uppercase + "234567"}.get(a.kind, a.alphabet)
            print("".join(rng.choice(alphabet) for _ in range(int(a.arg))))


if __name__ == "__main__":
    main()
