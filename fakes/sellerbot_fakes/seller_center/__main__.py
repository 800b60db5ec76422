"""`python -m sellerbot_fakes.seller_center --port 8090`: serve the Seller Center replica."""

from __future__ import annotations

import argparse

import uvicorn

from sellerbot_fakes.seller_center.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="Local TikTok Shop Seller Center replica")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
