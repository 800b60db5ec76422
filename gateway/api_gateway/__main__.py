"""`python -m gateway`: serve the API with uvicorn on GATEWAY_HOST:GATEWAY_PORT."""

from __future__ import annotations

import uvicorn
from sellerbot_grpc import freeze_startup_heap
from sellerbot_telemetry import configure_telemetry

from api_gateway.main import create_app
from api_gateway.settings import GatewaySettings


def main() -> None:
    settings = GatewaySettings()
    configure_telemetry("gateway", settings)
    uvicorn.run(
        create_app(settings, on_started=freeze_startup_heap), host=settings.gateway_host, port=settings.gateway_port,
        log_config=None, proxy_headers=False, ws_ping_interval=20, ws_ping_timeout=20,
    )


if __name__ == "__main__":
    main()
