"""Top lines of a py-spy profile of bench/profile_batch.py: share of the timed requests.

    .venv/bin/py-spy record --idle -r 1000 -f raw -o out/spy.txt -- \\
        .venv/bin/python bench/profile_batch.py --no-profiler
    python bench/spy_top.py bench/out/spy.txt

Counts only samples inside the timed request (the `put` called from main's timed line),
so fixture setup and the untimed inserts are left out. --idle keeps time spent waiting
on PostgreSQL, which is where a batch should spend it.
"""

import argparse
import collections
import re
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("raw", type=Path, help="py-spy record -f raw output")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    source = (Path(__file__).parent / "profile_batch.py").read_text().splitlines()
    timed = next(n for n, line in enumerate(source, 1) if "# the timed request" in line)
    root = f"main (profile_batch.py:{timed})"
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    total = 0
    for line in args.raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        positions = [i for i, f in enumerate(stack.split(";")) if f == root]
        if not positions:
            continue
        frames = frames[positions[0] + 1 :]
        total += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
        own[frames[-1]] += int(count)
    if not total:
        raise SystemExit("no samples inside the timed request")
    print(f"{total} samples in the timed requests\n\ninclusive (the function and what it calls):")
    for frame, count in inclusive.most_common(args.top):
        print(f"  {100 * count / total:5.1f}%  {frame}")
    print("\nself (the function's own lines):")
    for frame, count in own.most_common(args.top // 2):
        print(f"  {100 * count / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
