"""Replies from any OpenAI-compatible chat completions server through the official SDK, behind a
circuit breaker (purgatory): after repeated failures the endpoint is skipped for a while and the
offline responder answers instead."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx2
import openai
import structlog
from openai import AsyncOpenAI, DefaultAioHttpClient
from openai.types.chat import ChatCompletion
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState

from chatbot.metrics import LLM_CALLS, LLM_ERRORS, LLM_LATENCY, LLM_TOKENS

log = structlog.get_logger(__name__)


class LlmUnavailable(Exception):
    """The LLM could not answer (error, timeout, empty answer or open circuit); `kind` says which."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@dataclass(frozen=True)
class LlmEndpoint:
    base_url: str
    api_key: str
    model: str

    @property
    def configured(self) -> bool:
        return bool(self.api_key and self.model)


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int


class ReplyWriter:
    def __init__(
        self, timeout_seconds: float = 8.0, failure_threshold: int = 3, open_seconds: float = 30.0
    ) -> None:
        self._timeout = timeout_seconds
        self._clients: dict[tuple[str, str], AsyncOpenAI] = {}
        # Loading the CA bundle takes ~100 ms of CPU: done once here at start, not on the event loop in the
        # middle of a turn each time a seller's own endpoint gets its client.
        self._ssl_context = httpx2.create_ssl_context()
        self._breakers = AsyncCircuitBreakerFactory(default_threshold=failure_threshold, default_ttl=open_seconds)

    def prepare(self, endpoint: LlmEndpoint) -> None:
        """Build the endpoint's client now (start-up) rather than in the first turn that needs it."""
        if endpoint.configured:
            self._client(endpoint)

    def _client(self, endpoint: LlmEndpoint) -> AsyncOpenAI:
        key = (endpoint.base_url, endpoint.api_key)
        client = self._clients.get(key)
        if client is None:
            # aiohttp as the SDK's HTTP transport (`openai[aiohttp]`): the same requests for about half the
            # CPU of the default httpx transport, and one keep-alive pool per endpoint.
            client = AsyncOpenAI(
                base_url=endpoint.base_url or None, api_key=endpoint.api_key,
                timeout=self._timeout, max_retries=0, http_client=DefaultAioHttpClient(verify=self._ssl_context),
            )
            self._clients[key] = client
        return client

    async def complete(
        self, endpoint: LlmEndpoint, messages: list[dict[str, str]], temperature: float, max_tokens: int,
        channel: str,
    ) -> Completion:
        started = time.perf_counter()
        circuit = f"llm:{endpoint.base_url or 'default'}:{endpoint.model}"
        try:
            breaker = await self._breakers.get_breaker(circuit)
            async with breaker:
                completion = await self._call(endpoint, messages, temperature, max_tokens)
        except OpenedState as exc:
            LLM_ERRORS.labels(channel, "circuit_open").inc()
            raise LlmUnavailable("circuit_open") from exc
        except LlmUnavailable as exc:
            LLM_ERRORS.labels(channel, exc.kind).inc()
            LLM_CALLS.labels(channel, "error").inc()
            raise
        finally:
            LLM_LATENCY.labels(channel).observe(time.perf_counter() - started)
        LLM_CALLS.labels(channel, "ok").inc()
        LLM_TOKENS.labels(channel, "prompt").inc(completion.prompt_tokens)
        LLM_TOKENS.labels(channel, "completion").inc(completion.completion_tokens)
        return completion

    async def _call(
        self, endpoint: LlmEndpoint, messages: list[dict[str, str]], temperature: float, max_tokens: int
    ) -> Completion:
        try:
            response = await self._client(endpoint).chat.completions.create(
                model=endpoint.model, messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens, temperature=temperature)
        except openai.APITimeoutError as exc:
            raise LlmUnavailable("timeout", str(exc)) from exc
        except openai.APIStatusError as exc:
            raise LlmUnavailable(f"http_{exc.status_code}", exc.message) from exc
        except openai.APIError as exc:
            raise LlmUnavailable("connection", str(exc)) from exc
        return _completion(response)

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()


def _completion(response: ChatCompletion) -> Completion:
    """The first choice's text and the token usage, or `LlmUnavailable("empty")`."""
    text = ((response.choices[0].message.content if response.choices else "") or "").strip()
    if not text:
        raise LlmUnavailable("empty")
    usage = response.usage
    return Completion(text, usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0)
