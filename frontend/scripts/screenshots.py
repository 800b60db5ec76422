"""Screenshots of the dashboard served by a running gateway, for docs and visual checks.

    .venv/bin/python frontend/scripts/screenshots.py --url http://127.0.0.1:8000 --out /tmp/shots

Logs in through the real login form with Debian's Chromium, then captures each tab.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from playwright.async_api import Page, async_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


async def settle(page: Page) -> None:
    """Wait until no panel still shows "Carregando…" (queries answered, with data or an error)."""
    await page.wait_for_load_state("networkidle")
    await page.wait_for_function("!document.querySelector('.loading')", timeout=15_000)
    await page.wait_for_timeout(300)


async def capture(url: str, out: Path, email: str, password: str, sections: list[str]) -> list[Path]:
    shots: list[Path] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1440, "height": 1000}, locale="pt-BR")
        await page.goto(url)
        await page.get_by_label("E-mail").wait_for()
        shots.append(out / "01-login.png")
        await page.screenshot(path=shots[-1])
        await page.get_by_label("E-mail").fill(email)
        await page.get_by_label("Senha").fill(password)
        await page.get_by_role("button", name="Entrar").click()
        await page.get_by_role("tab", name="Automação").wait_for()
        await settle(page)
        shots.append(out / "02-automacao.png")
        await page.screenshot(path=shots[-1], full_page=True)
        await page.get_by_role("tab", name="Chatbot IA").click()
        for index, section in enumerate(sections, start=3):
            await page.get_by_role("tab", name=section).click()
            await settle(page)
            shots.append(out / f"{index:02d}-chatbot-{section.lower().replace(' ', '-')}.png")
            await page.screenshot(path=shots[-1], full_page=True)
        await browser.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--email", default="admin@sellerbot.local")
    parser.add_argument("--password", default="admin12345")
    parser.add_argument("--sections", default="Conversas,Análises,Catálogo,Configuração,Canais,Falhas de entrega")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    shots = asyncio.run(capture(args.url, args.out, args.email, args.password, args.sections.split(",")))
    for shot in shots:
        print(shot)


if __name__ == "__main__":
    main()
