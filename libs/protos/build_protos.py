"""Generate the `sellerbot` Python package from proto/ with grpc_tools.protoc (run by `make proto`)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from grpc_tools import protoc

HERE = Path(__file__).resolve().parent
PROTO_ROOT = HERE.parent.parent / "proto"
OUTPUT = HERE


def main() -> int:
    target = OUTPUT / "sellerbot"
    shutil.rmtree(target, ignore_errors=True)
    sources = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    well_known = Path(protoc.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={OUTPUT}",
        f"--grpc_python_out={OUTPUT}",
        f"--pyi_out={OUTPUT}",
        *sources,
    ]
    code = protoc.main(args)
    if code != 0:
        print(f"protoc failed with exit code {code}", file=sys.stderr)
        return int(code)
    for folder in [target, *(p for p in target.rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()
    (target / "py.typed").touch()
    print(f"generated {len(sources)} proto files into {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
