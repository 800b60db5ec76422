"""The replica's data: sellers, their shops (comments, reviews, inbox, creators), sessions, faults and
everything it received, so tests can assert exactly what the bot did."""

from __future__ import annotations

import random
import secrets
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

DEMO_EMAIL = "seller@example.com"
DEMO_PASSWORD = "seller123"
DEMO_CODE = "123456"
DEMO_SHOP = "Loja Teste BR"

PRODUCTS = ["Garrafa Térmica 1L", "Fone Bluetooth X2", "Kit Skincare Natural", "Tênis Corrida Leve",
            "Capa de Celular Flex", "Luminária LED Mesa", "Mochila Urbana 20L", "Caneca Cerâmica 350ml"]
BUYERS = ["Maria S.", "João P.", "Ana C.", "Lucas M.", "Beatriz R.", "Pedro H.", "Carla F.", "Rafael T."]
REVIEW_TEXTS = ["Chegou amassada", "Produto excelente, recomendo!", "Demorou para chegar", "Muito bom",
                "Não funcionou direito", "Ótima qualidade pelo preço", "Cor diferente da foto", "Amei!"]
COMMENT_TEXTS = ["Quanto custa?", "Tem em azul?", "Entrega para o Recife?", "Qual o tamanho?",
                 "Vale a pena?", "Tem garantia?", "Chega antes do Natal?", "Aceita Pix?"]
BUYER_QUESTIONS = ["Qual o prazo de entrega?", "Vocês têm esse produto em estoque?", "Posso trocar o tamanho?",
                   "Meu pedido ainda não chegou", "Tem desconto para dois itens?"]
CATEGORIES = ["beauty", "fashion", "electronics", "home", "sports"]


class ReplicaError(Exception):
    """A business rule of Seller Center refused the action; `code` is the toast message key."""

    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Seller:
    email: str
    password: str
    code: str
    shop_name: str


@dataclass
class Comment:
    id: str
    video: str
    buyer: str
    text: str
    replies: list[str] = field(default_factory=list)


@dataclass
class Review:
    id: str
    product: str
    rating: int
    text: str
    order_id: str
    reply: str | None = None


@dataclass
class ChatMessage:
    id: str
    sender: str  # buyer | seller
    text: str
    at: str


@dataclass
class Conversation:
    id: str
    buyer: str
    messages: list[ChatMessage] = field(default_factory=list)
    unread: int = 0

    @property
    def last_sender(self) -> str:
        return self.messages[-1].sender if self.messages else ""


@dataclass
class Creator:
    id: str
    handle: str
    followers: int
    category: str
    gmv: int
    invited: bool = False


@dataclass
class Shop:
    comments: dict[str, Comment] = field(default_factory=dict)
    reviews: dict[str, Review] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    creators: dict[str, Creator] = field(default_factory=dict)
    quota_left: int = 20
    received: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"comment_replies": [], "review_replies": [], "messages": [], "invites": []}
    )
    counters: dict[str, int] = field(default_factory=lambda: {"password_logins": 0, "code_submissions": 0,
                                                              "page_views": 0})


@dataclass
class Faults:
    latency_ms: int = 0
    fail_next: int = 0  # the next N API calls answer 500
    captcha: bool = False  # login and every page show the slider captcha
    quota: int | None = None  # overrides every shop's weekly invite quota when set

    def describe(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Session:
    email: str
    verified: bool


class ReplicaState:
    """Thread-safe in-memory store (uvicorn serves it from one loop, tests may read it from another)."""

    def __init__(self, seed: int = 7) -> None:
        self._lock = threading.RLock()
        self._seed = seed
        self.e2e_salt = secrets.token_hex(3)  # data-e2e hashes change at every start, as in real builds
        self.reset()

    # ----- lifecycle ---------------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.sellers: dict[str, Seller] = {}
            self.shops: dict[str, Shop] = {}
            self.sessions: dict[str, Session] = {}
            self.faults = Faults()
            self.add_seller(DEMO_EMAIL, DEMO_PASSWORD, DEMO_CODE, DEMO_SHOP)
            self.seed_shop(DEMO_EMAIL, comments=30, reviews=45, conversations=6, creators=30, quota=20)

    def add_seller(self, email: str, password: str, code: str, shop_name: str) -> None:
        with self._lock:
            self.sellers[email] = Seller(email, password, code, shop_name)
            self.shops.setdefault(email, Shop())

    def seed_shop(self, email: str, *, comments: int = 0, reviews: int = 0, conversations: int = 0,
                  creators: int = 0, quota: int = 20, replied_every: int = 4) -> None:
        """Replace the shop's data with generated items; every `replied_every`-th item is already answered."""
        rng = random.Random(f"{self._seed}:{email}")  # noqa: S311 - test data, not security
        with self._lock:
            shop = Shop(quota_left=quota)
            for i in range(1, comments + 1):
                c = Comment(f"c_{i:03d}", f"Vídeo {1 + i % 5}: {rng.choice(PRODUCTS)}", rng.choice(BUYERS),
                            f"{rng.choice(COMMENT_TEXTS)} (#{i})")
                if replied_every and i % replied_every == 0:
                    c.replies.append("Obrigado pelo comentário!")
                shop.comments[c.id] = c
            for i in range(1, reviews + 1):
                r = Review(f"r_{i:03d}", rng.choice(PRODUCTS), 1 + (i * 7) % 5, f"{rng.choice(REVIEW_TEXTS)} (#{i})",
                           f"5770{rng.randrange(10**11, 10**12)}")
                if replied_every and i % replied_every == 0:
                    r.reply = "Obrigado pela avaliação!"
                shop.reviews[r.id] = r
            for i in range(1, conversations + 1):
                conv = Conversation(f"conv_{i:03d}", f"{rng.choice(BUYERS)} #{i}")
                conv.messages.append(ChatMessage(f"m_{i:03d}_1", "buyer", rng.choice(BUYER_QUESTIONS), _now()))
                conv.unread = 1
                if replied_every and i % replied_every == 0:
                    conv.messages.append(ChatMessage(f"m_{i:03d}_2", "seller", "Olá! Já verificamos.", _now()))
                    conv.unread = 0
                shop.conversations[conv.id] = conv
            for i in range(1, creators + 1):
                cr = Creator(f"u_{i:03d}", f"@criador{i:03d}", rng.randrange(1_000, 900_000),
                             CATEGORIES[i % len(CATEGORIES)], rng.randrange(1, 200) * 1000)
                shop.creators[cr.id] = cr
            self.shops[email] = shop

    # ----- sessions ----------------------------------------------------------------------------------
    def password_login(self, email: str, password: str) -> str:
        with self._lock:
            seller = self.sellers.get(email)
            if seller is None or not secrets.compare_digest(seller.password, password):
                raise ReplicaError("bad_credentials", 401)
            self.shops[email].counters["password_logins"] += 1
            token = secrets.token_urlsafe(24)
            self.sessions[token] = Session(email, verified=False)
            return token

    def submit_code(self, token: str, code: str) -> None:
        with self._lock:
            session = self.sessions.get(token)
            if session is None:
                raise ReplicaError("session_expired", 401)
            self.shops[session.email].counters["code_submissions"] += 1
            if not secrets.compare_digest(self.sellers[session.email].code, code.strip()):
                raise ReplicaError("bad_code", 401)
            session.verified = True

    def session(self, token: str | None) -> Session | None:
        with self._lock:
            return self.sessions.get(token or "")

    def logout(self, token: str | None) -> None:
        with self._lock:
            self.sessions.pop(token or "", None)

    def expire_sessions(self, email: str | None = None) -> int:
        with self._lock:
            doomed = [t for t, s in self.sessions.items() if email is None or s.email == email]
            for token in doomed:
                del self.sessions[token]
            return len(doomed)

    # ----- shop actions ------------------------------------------------------------------------------
    def shop(self, email: str) -> Shop:
        with self._lock:
            return self.shops[email]

    def reply_comment(self, email: str, comment_id: str, text: str) -> Comment:
        with self._lock:
            comment = self.shop(email).comments.get(comment_id)
            if comment is None:
                raise ReplicaError("not_found", 404)
            text = _checked_text(text, 500)
            comment.replies.append(text)
            self.shop(email).received["comment_replies"].append({"id": comment_id, "text": text, "at": _now()})
            return comment

    def reply_review(self, email: str, review_id: str, text: str) -> Review:
        with self._lock:
            review = self.shop(email).reviews.get(review_id)
            if review is None:
                raise ReplicaError("not_found", 404)
            if review.reply is not None:
                raise ReplicaError("reply_once", 409)
            review.reply = _checked_text(text, 500)
            self.shop(email).received["review_replies"].append({"id": review_id, "text": review.reply, "at": _now()})
            return review

    def send_message(self, email: str, conversation_id: str, text: str) -> ChatMessage:
        with self._lock:
            conv = self.shop(email).conversations.get(conversation_id)
            if conv is None:
                raise ReplicaError("not_found", 404)
            msg = ChatMessage(f"{conversation_id}_s{len(conv.messages) + 1}", "seller", _checked_text(text, 2000),
                              _now())
            conv.messages.append(msg)
            conv.unread = 0
            self.shop(email).received["messages"].append({"id": conversation_id, "text": msg.text, "at": msg.at})
            return msg

    def buyer_message(self, email: str, conversation_id: str, text: str, buyer: str = "") -> ChatMessage:
        with self._lock:
            shop = self.shop(email)
            conv = shop.conversations.get(conversation_id)
            if conv is None:
                conv = shop.conversations[conversation_id] = Conversation(conversation_id, buyer or "Cliente")
            msg = ChatMessage(f"{conversation_id}_b{len(conv.messages) + 1}", "buyer", text, _now())
            conv.messages.append(msg)
            conv.unread += 1
            return msg

    def quota_left(self, email: str) -> int:
        with self._lock:
            return self.faults.quota if self.faults.quota is not None else self.shop(email).quota_left

    def invite(self, email: str, creator_id: str, invitation: dict[str, Any]) -> Creator:
        with self._lock:
            shop = self.shop(email)
            creator = shop.creators.get(creator_id)
            if creator is None:
                raise ReplicaError("not_found", 404)
            if creator.invited:
                raise ReplicaError("already_invited", 409)
            if not str(invitation.get("name", "")).strip():
                raise ReplicaError("invitation_name_required", 400)
            if self.quota_left(email) <= 0:
                raise ReplicaError("quota_exhausted", 429)
            if self.faults.quota is not None:
                self.faults.quota -= 1
            else:
                shop.quota_left -= 1
            creator.invited = True
            shop.received["invites"].append({"id": creator_id, "handle": creator.handle, **invitation, "at": _now()})
            return creator

    # ----- faults and inspection ---------------------------------------------------------------------
    def take_failure(self) -> bool:
        """True when this API call must fail with a 500 (consumes one injected failure)."""
        with self._lock:
            if self.faults.fail_next > 0:
                self.faults.fail_next -= 1
                return True
            return False

    def count_view(self, email: str) -> None:
        with self._lock:
            self.shop(email).counters["page_views"] += 1

    def snapshot(self, email: str) -> dict[str, Any]:
        with self._lock:
            shop = self.shop(email)
            return {
                "seller": email,
                "received": {k: list(v) for k, v in shop.received.items()},
                "counters": dict(shop.counters),
                "quota_left": self.quota_left(email),
                "comments": [asdict(c) for c in shop.comments.values()],
                "reviews": [asdict(r) for r in shop.reviews.values()],
                "conversations": [
                    {"id": c.id, "buyer": c.buyer, "unread": c.unread, "messages": [asdict(m) for m in c.messages]}
                    for c in shop.conversations.values()
                ],
                "creators": [asdict(c) for c in shop.creators.values()],
                "sessions": sum(1 for s in self.sessions.values() if s.email == email and s.verified),
                "faults": self.faults.describe(),
            }


def _checked_text(text: str, limit: int) -> str:
    text = text.strip()
    if not text:
        raise ReplicaError("empty_reply", 400)
    if len(text) > limit:
        raise ReplicaError("too_long", 400)
    return text
