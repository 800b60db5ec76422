"""Container health probe: `healthcheck.py grpc HOST:PORT` or `healthcheck.py http URL`; exit 0 when healthy.

gRPC services answer `grpc.health.v1.Health/Check` (the image has grpcio-health-checking, so no
`grpc_health_probe` binary is needed); the gateway answers HTTP 200 on its health route.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 3.0


def grpc_serving(address: str, service: str = "") -> bool:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(address) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=TIMEOUT_SECONDS
            )
        except grpc.RpcError as exc:
            print(f"unhealthy: {address}: {exc.code().name}", file=sys.stderr)
            return False
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        print(f"unhealthy: {address}: {health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)}",
              file=sys.stderr)
        return False
    return True


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (fixed local URL)
            return bool(200 <= response.status < 300)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return False


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in {"grpc", "http"}:
        print("usage: healthcheck.py grpc HOST:PORT [SERVICE] | healthcheck.py http URL", file=sys.stderr)
        return 2
    kind, target, *rest = argv
    healthy = grpc_serving(target, *rest[:1]) if kind == "grpc" else http_ok(target)
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
