"""The baseline: a bare FastAPI webhook endpoint (parse JSON, answer 200) on the gateway's uvicorn stack."""

from __future__ import annotations

import json
import sys

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()


@app.post("/seller-bot/webhook/{channel}")
async def webhook(channel: str, request: Request) -> JSONResponse:
    json.loads(await request.body())
    return JSONResponse({"status": "accepted", "published": 1})


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None, access_log=False)
