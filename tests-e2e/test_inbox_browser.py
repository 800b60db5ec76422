"""The Atendimento tab against the whole running stack (the make run launcher, fake Evolution API) in Debian's
Chromium: a WhatsApp message arrives live, the agent takes over and answers, the buyer's phone gets the text
through Evolution (and its read receipt shows in the thread), a buyer message while the agent holds the
conversation gets no bot answer, the agent gives the conversation back and the bot's own answer to the next
message reaches the buyer.

With SCREENSHOTS_DIR set (`make screenshots`) it also saves a screenshot of each view there, every tab included."""

from __future__ import annotations

import uuid

import httpx
import pytest
from chatbot.domain.responder import RELEASED_NOTICE
from playwright.async_api import Page, expect
from sellerbot_fakes.receipts import evolution_messages_update

from .browser import (
    SCREENSHOTS,
    dashboard,
    evolution_message,
    post_webhook,
    sent_message_key,
    shot,
    texts_sent_to,
    wait_until,
)
from .conftest import RunningStack

pytestmark = pytest.mark.browser

# (tab, section of the Chatbot IA tab or "", file name): every view of the dashboard, for `make screenshots`.
VIEWS = (("Automação", "", "automacao"), ("Chatbot IA", "Conversas", "chatbot-conversas"),
         ("Chatbot IA", "Análises", "chatbot-analises"),
         ("Chatbot IA", "Respostas rápidas", "chatbot-respostas-rapidas"),
         ("Pedidos", "", "pedidos"), ("Equipe", "", "equipe"))  # Contatos and Configuração: test_contacts_browser


async def shoot_every_view(page: Page, buyer: str) -> None:
    """Each tab (and Chatbot IA section) once its data is in, not while it still says "Carregando…"."""
    for tab, section, name in VIEWS:
        if await page.get_by_role("tab", name=tab, exact=True).count() == 0:
            continue  # a tab this build does not have
        await page.get_by_role("tab", name=tab, exact=True).click()
        if section:
            await page.get_by_role("tablist", name="Seções do chatbot").get_by_role("tab", name=section).click()
        if name == "chatbot-conversas":
            await expect(page.get_by_role("table").get_by_text(buyer).first).to_be_visible()
        await expect(page.get_by_text("Carregando…")).to_have_count(0)
        await shot(page, name)


def reply_status(stack: RunningStack, headers: dict[str, str], phone: str, text: str) -> str:
    """The status the inbox API gives the (newest) outgoing message with this text to this WhatsApp buyer."""
    listed = httpx.get(f"{stack.url}/seller-bot/inbox", headers=headers, params={"limit": 200}).json()
    for conversation in listed["conversations"]:
        if conversation["contact_id"] != f"whatsapp:{phone}":
            continue
        thread = httpx.get(f"{stack.url}/seller-bot/conversations/{conversation['id']}/messages",
                           headers=headers).json()
        for message in thread["messages"]:
            if message["direction"] == "out" and message["text"] == text:
                return str(message["status"])
    return ""


async def test_an_agent_answers_a_whatsapp_buyer_from_the_inbox_and_gives_the_bot_back(stack: RunningStack) -> None:
    phone = f"55119{uuid.uuid4().int % 10**8:08d}"
    buyer = f"Joana {uuid.uuid4().hex[:4]}"
    shortcut = f"separei{uuid.uuid4().hex[:4]}"
    reply = "Oi Joana, aqui é a equipe da loja! Separei o seu pedido."  # the quick reply, {nome} filled in
    saved = httpx.post(f"{stack.url}/seller-bot/quick-replies", headers={"Authorization": f"Bearer {stack.token()}"},
                       json={"shortcut": shortcut, "text": "Oi {nome}, aqui é a equipe da loja! Separei o seu pedido."})
    assert saved.status_code == 201, saved.text
    async with dashboard(stack) as page:
        await page.get_by_role("tab", name="Atendimento").click()

        # A WhatsApp message arrives while the inbox is open: it shows up without a reload.
        post_webhook(stack, evolution_message(phone, buyer, "Oi! Vocês têm tênis azul 42?"))
        row = page.get_by_role("option").filter(has_text=buyer)
        await expect(row).to_be_visible()
        await row.click()
        thread = page.get_by_role("log", name="Histórico da conversa")
        await expect(thread.get_by_text("Vocês têm tênis azul 42?")).to_be_visible()
        await expect(thread.locator("[data-author=bot]").first).to_be_visible()  # the bot answered first
        await wait_until(lambda: texts_sent_to(stack, phone))
        await shot(page, "inbox-thread")

        # Take over, answer: Evolution receives the agent's text for the buyer's number.
        await page.get_by_role("button", name="Assumir conversa").click()
        await expect(page.get_by_role("button", name="Devolver ao bot")).to_be_visible()
        composer = page.get_by_label("Responder ao cliente")
        await composer.fill(f"/{shortcut[:9]}")
        await expect(page.get_by_role("listbox", name="Respostas rápidas")).to_contain_text(f"/{shortcut}")
        await composer.press("Enter")
        await expect(composer).to_have_value(reply)
        await composer.press("Control+Enter")
        await wait_until(lambda: reply in texts_sent_to(stack, phone))
        agent_bubble = thread.locator("[data-author=human]").filter(has_text=reply)
        await expect(agent_bubble).to_contain_text(stack.admin_email)
        # The buyer's WhatsApp reads it: Evolution's messages.update receipt moves the reply to read.
        key_id = sent_message_key(stack, phone, reply)
        post_webhook(stack, evolution_messages_update("test", key_id, f"{phone}@s.whatsapp.net", "READ"))
        headers = {"Authorization": f"Bearer {stack.token()}"}
        await wait_until(lambda: reply_status(stack, headers, phone, reply) == "read",
                         what="the read receipt in the thread")
        await expect(agent_bubble).to_contain_text("lida")  # live, from chatbot_reply_status
        note = page.get_by_label("Nova nota interna")
        await note.fill("Cliente pediu embrulho para presente")
        await page.get_by_role("button", name="Adicionar nota").click()
        await expect(page.get_by_role("complementary").get_by_text("Cliente pediu embrulho")).to_be_visible()
        await shot(page, "inbox-agent-reply")

        # While the agent holds it, the buyer's next message shows up in the thread and the bot stays silent.
        sent_before = len(texts_sent_to(stack, phone))
        post_webhook(stack, evolution_message(phone, buyer, "Pode mandar uma foto do tênis?"))
        await expect(thread.locator("[data-author=buyer]").filter(has_text="foto do tênis")).to_be_visible()

        # Given back: the buyer is told once that the team is done, then the bot answers the next message itself.
        await page.get_by_role("button", name="Devolver ao bot").click()
        await expect(page.get_by_role("button", name="Assumir conversa")).to_be_visible()
        await wait_until(lambda: texts_sent_to(stack, phone)[sent_before:], what="the released notice")
        assert texts_sent_to(stack, phone)[sent_before:] == [RELEASED_NOTICE]  # nothing for the held message
        question = "Qual o prazo de entrega para São Paulo?"
        post_webhook(stack, evolution_message(phone, buyer, question))
        await expect(thread.get_by_text(question)).to_be_visible()
        sent = await wait_until(lambda: texts_sent_to(stack, phone)[sent_before + 1:], what="the bot's answer")
        assert texts_sent_to(stack, phone)[sent_before:] == [RELEASED_NOTICE, sent[0]]
        answer = sent[0]
        assert answer not in (reply, RELEASED_NOTICE)
        # What Evolution delivered is the bot's turn after the question, as the thread shows it.
        last_bot = thread.locator("[data-author=bot]").last
        await expect(last_bot).to_contain_text(answer[:60])
        # In the thread, after the held message: (the released notice, where the thread records it,) the question,
        # the bot's answer; no bot turn answered the held message.
        bubbles = await thread.locator("[data-author]").evaluate_all(
            "nodes => nodes.map(n => [n.dataset.author, n.textContent])")
        held = next(i for i, (author, text) in enumerate(bubbles) if author == "buyer" and "foto do tênis" in text)
        after = [(author, text) for author, text in bubbles[held + 1:] if RELEASED_NOTICE[:40] not in text]
        assert [author for author, _ in after] == ["buyer", "bot"], bubbles
        assert question in after[0][1] and answer[:60] in after[1][1]
        assert not any("embrulho" in text for text in texts_sent_to(stack, phone))  # notes stay internal
        await expect(row.get_by_label("não lidas")).to_have_count(0)  # open: read as it arrives
        await shot(page, "inbox")
        if SCREENSHOTS:
            await shoot_every_view(page, buyer)
