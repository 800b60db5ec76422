"""`python -m sellerbot_devstack run [--replicas chatbot=2 ...] | bench | assemble-benchmarks`."""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(prog="sellerbot-devstack")
    parser.add_argument("command", choices=["run", "bench", "assemble-benchmarks"])
    parser.add_argument(
        "--replicas", nargs="*", default=[], metavar="SERVICE=N",
        help="run: replicas per gRPC service, e.g. chatbot=2 channel-adapter=2 (default: <SERVICE>_REPLICAS or 1)")
    args = parser.parse_args()
    if args.command == "run":
        from sellerbot_devstack.stack import run

        raise SystemExit(run(ROOT, args.replicas))
    from sellerbot_devstack.benchmarks import assemble, run_all

    if args.command == "assemble-benchmarks":  # after running one benchmark script by hand
        assemble(ROOT, ran_every_script=False)
        return
    raise SystemExit(run_all(ROOT))


if __name__ == "__main__":
    main()
