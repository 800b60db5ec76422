"""`python -m sellerbot_fakes.tiktok_shop --port 8091 [--generate-products N --generate-orders N]`."""

from __future__ import annotations

import argparse

import uvicorn

from sellerbot_fakes.tiktok_shop.app import DEMO_APP_KEY, DEMO_APP_SECRET, create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="Local TikTok Shop Open API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--app-key", default=DEMO_APP_KEY)
    parser.add_argument("--app-secret", default=DEMO_APP_SECRET)
    args = parser.parse_args()
    uvicorn.run(create_app({args.app_key: args.app_secret}), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
