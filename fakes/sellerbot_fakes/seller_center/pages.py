"""HTML of the replica's pages: Arco-style markup, accessible names from i18n, `data-e2e` hashes per start.

Lists, dialogs and toasts are rendered by `client.js` from the JSON API after the page loads, like the real
single-page app: a bot must wait for content instead of reading the first HTML response.
"""

from __future__ import annotations

import hashlib
import json
from html import escape

from sellerbot_fakes.seller_center.i18n import STRINGS

STYLE = """
body{font-family:Arial,sans-serif;margin:0;background:#f5f6f7;color:#1d2129}
.arco-layout-header{display:flex;gap:16px;align-items:center;padding:8px 24px;background:#fff;
  border-bottom:1px solid #e5e6eb}
.arco-menu a{margin-right:12px;color:#165dff}.arco-layout-content{padding:24px}
.arco-btn{padding:4px 12px;border:1px solid #c9cdd4;background:#fff;border-radius:2px;cursor:pointer}
.arco-btn-primary{background:#fe2c55;color:#fff;border-color:#fe2c55}.arco-btn[disabled]{opacity:.5}
.arco-table{border-collapse:collapse;width:100%;background:#fff}
.arco-table td,.arco-table th{border:1px solid #e5e6eb;padding:6px}
.arco-modal-mask{position:fixed;inset:0;background:rgba(0,0,0,.4);display:flex;align-items:center;justify-content:center}
.arco-modal{background:#fff;padding:16px;min-width:420px;border-radius:4px}
.arco-message-list{position:fixed;top:12px;left:50%;transform:translateX(-50%)}
.arco-message{background:#fff;border:1px solid #e5e6eb;padding:6px 12px;margin:4px}.arco-message-error{color:#f53f3f}
.msg{padding:4px 8px;margin:4px;border-radius:8px;max-width:60%}
.msg.buyer{background:#eee}.msg.seller{background:#ffe4ea;margin-left:auto}
.arco-pagination-list{display:flex;gap:4px;list-style:none;padding:0}
.seller-reply{color:#4e5969;font-size:12px}.badge{background:#fe2c55;color:#fff;border-radius:8px;padding:0 6px}
.captcha_verify_container{background:#fff;padding:24px;border:1px solid #ccc}
"""


class Renderer:
    def __init__(self, lang: str, e2e_salt: str) -> None:
        self.lang = lang
        self.t = STRINGS[lang]
        self._salt = e2e_salt

    def e2e(self, name: str) -> str:
        """A hashed test id that changes at every start of the replica (never usable as a locator)."""
        return hashlib.sha1(f"{self._salt}:{name}".encode(), usedforsecurity=False).hexdigest()[:10]

    def attr(self, name: str) -> str:
        return f'data-e2e="{self.e2e(name)}" data-tid="m4b_button"'

    def document(self, title: str, body: str, page: str = "", extra: dict[str, object] | None = None) -> str:
        config = {"page": page, "lang": self.lang, "t": self.t,
                  "e2e": {n: self.e2e(n) for n in ("row", "reply", "dialog", "toast", "option", "invite")},
                  **(extra or {})}
        return (
            f'<!doctype html><html lang="{self.lang}"><head><meta charset="utf-8">'
            f"<title>{escape(title)} | TikTok Shop Seller Center</title><style>{STYLE}</style></head>"
            f'<body class="arco-theme"><div class="arco-message-list" {self.attr("toasts")}></div>{body}'
            f"<script>window.SC={json.dumps(config)};</script>"
            f'<script src="/static/client.js?v={self._salt}"></script></body></html>'
        )

    def shell(self, shop_name: str, title: str, content: str, page: str, extra: dict[str, object] | None = None) -> str:
        t = self.t
        header = (
            f'<header class="arco-layout-header" {self.attr("header")}>'
            f'<a href="/homepage" {self.attr("logo")}>TikTok Shop Seller Center</a>'
            f'<span data-testid="shop-name" {self.attr("shop")}>{escape(shop_name)}</span>'
            f'<nav class="arco-menu" {self.attr("menu")}>'
            f'<a href="/product/rating">{t["nav_reviews"]}</a><a href="/content/comments">{t["nav_comments"]}</a>'
            f'<a href="/chat">{t["nav_chat"]}</a><a href="/connection/creator">{t["nav_creators"]}</a></nav>'
            f'<button class="arco-btn" aria-label="{t["account"]}" aria-haspopup="menu" {self.attr("account")}'
            f' onclick="document.getElementById(\'account-menu\').hidden=false">☰</button>'
            f'<ul role="menu" id="account-menu" hidden><li role="menuitem">'
            f'<form method="post" action="/account/logout"><button class="arco-btn">{t["logout"]}</button></form>'
            f"</li></ul></header>"
        )
        return self.document(title, f'{header}<main class="arco-layout-content"><h1>{escape(title)}</h1>'
                                    f"{content}</main>", page, extra)

    # ----- account pages -----------------------------------------------------------------------------
    def login(self, redirect: str, error: str = "") -> str:
        t = self.t
        alert = f'<div role="alert" class="arco-alert arco-alert-error">{t[error]}</div>' if error else ""
        body = (
            f'<main class="arco-layout-content"><h1>{t["login_title"]}</h1>{alert}'
            f'<form method="post" action="/account/login" class="arco-form" {self.attr("login-form")}>'
            f'<input type="hidden" name="redirect" value="{escape(redirect)}">'
            f'<label>{t["login_field"]} <input class="arco-input" name="account" autocomplete="username" '
            f'{self.attr("account-input")}></label><br>'
            f'<label>{t["password"]} <input class="arco-input" type="password" name="password" '
            f'autocomplete="current-password" {self.attr("password-input")}></label><br>'
            f'<button type="submit" class="arco-btn arco-btn-primary" {self.attr("login-btn")}>'
            f'{t["login_button"]}</button></form></main>'
        )
        return self.document(t["login_title"], body)

    def verify(self, redirect: str, error: str = "") -> str:
        t = self.t
        alert = f'<div role="alert" class="arco-alert arco-alert-error">{t[error]}</div>' if error else ""
        body = (
            f'<main class="arco-layout-content"><h1>{t["verify_title"]}</h1><p>{t["verify_hint"]}</p>{alert}'
            f'<form method="post" action="/account/verify" {self.attr("verify-form")}>'
            f'<input type="hidden" name="redirect" value="{escape(redirect)}">'
            f'<label>{t["code_field"]} <input class="arco-input" name="code" inputmode="numeric" maxlength="6" '
            f'{self.attr("code-input")}></label> '
            f'<button type="submit" class="arco-btn arco-btn-primary" {self.attr("verify-btn")}>'
            f'{t["verify_button"]}</button></form></main>'
        )
        return self.document(t["verify_title"], body)

    def captcha(self) -> str:
        t = self.t
        body = (
            f'<div class="arco-modal-mask"><div class="captcha_verify_container" role="dialog" '
            f'aria-label="{t["captcha_dialog"]}" {self.attr("captcha")}><p>{t["captcha_text"]}</p>'
            f'<div class="captcha-slider" {self.attr("slider")}>⇨</div></div></div>'
        )
        return self.document(t["captcha_dialog"], body)

    # ----- shop pages --------------------------------------------------------------------------------
    def home(self, shop_name: str) -> str:
        t = self.t
        content = f'<p>{t["welcome"]}, {escape(shop_name)}.</p>'
        return self.shell(shop_name, t["home"], content, "home")

    def reply_list(self, shop_name: str, kind: str) -> str:
        """Reviews (`reviews`) or video comments (`comments`): tabs, table, pagination; rows load later."""
        t = self.t
        stars = ""
        if kind == "reviews":
            boxes = "".join(f'<label><input type="checkbox" value="{n}" class="star-filter">{n} ★</label>'
                            for n in range(1, 6))
            stars = f'<div role="group" aria-label="{t["star_group"]}" {self.attr("stars")}>{boxes}</div>'
        content = (
            f'<div role="tablist" class="arco-tabs" {self.attr("tabs")}>'
            f'<button role="tab" data-tab="all" aria-selected="true">{t["tab_all"]}</button>'
            f'<button role="tab" data-tab="not_replied" aria-selected="false">{t["tab_not_replied"]}</button>'
            f'<button role="tab" data-tab="replied" aria-selected="false">{t["tab_replied"]}</button></div>{stars}'
            f'<table class="arco-table" aria-label="{t[kind + "_table"]}" aria-busy="true" {self.attr("table")}>'
            f"<thead></thead><tbody></tbody></table>"
            f'<nav aria-label="{t["pagination"]}" class="arco-pagination" {self.attr("pagination")}></nav>'
        )
        return self.shell(shop_name, t[kind + "_title"], content, kind)

    def inbox(self, shop_name: str) -> str:
        t = self.t
        content = (
            f'<div style="display:flex;gap:16px"><aside aria-label="{t["conversations"]}" {self.attr("aside")}>'
            f'<input class="arco-input" placeholder="{t["search_buyer"]}" aria-label="{t["search_buyer"]}">'
            f'<div role="tablist" {self.attr("chat-tabs")}>'
            f'<button role="tab" data-tab="all" aria-selected="true">{t["tab_all"]}</button>'
            f'<button role="tab" data-tab="unread" aria-selected="false">{t["tab_unread"]}</button>'
            f'<button role="tab" data-tab="unreplied" aria-selected="false">{t["tab_unreplied"]}</button></div>'
            f'<ul role="listbox" aria-label="{t["conversations"]}" aria-busy="true" {self.attr("listbox")}></ul>'
            f'</aside><section id="conversation" style="flex:1"><p>{t["select_conversation"]}</p></section></div>'
        )
        return self.shell(shop_name, t["nav_chat"], content, "chat")

    def creators(self, shop_name: str, categories: list[str]) -> str:
        t = self.t
        options = "".join(f'<option value="{c}">{c}</option>' for c in categories)
        content = (
            f'<div class="quota" role="note" {self.attr("quota")}>{t["quota_banner"]} <b id="quota-left">…</b></div>'
            f'<form id="creator-search" role="search" {self.attr("search")}>'
            f'<input class="arco-input" name="q" placeholder="{t["search_creators"]}" '
            f'aria-label="{t["search_creators"]}"> '
            f'<label for="f-category">{t["category"]}</label> <select id="f-category" name="category">'
            f'<option value="">{t["any_category"]}</option>{options}</select> '
            f'<label for="f-min">{t["min_followers"]}</label> '
            f'<input id="f-min" class="arco-input" type="number" name="min_followers"> '
            f'<label for="f-max">{t["max_followers"]}</label> '
            f'<input id="f-max" class="arco-input" type="number" name="max_followers"> '
            f'<button type="submit" class="arco-btn">{t["search"]}</button></form>'
            f'<table class="arco-table" aria-label="{t["creators_table"]}" aria-busy="true" {self.attr("table")}>'
            f"<thead></thead><tbody></tbody></table>"
            f'<nav aria-label="{t["pagination"]}" class="arco-pagination" {self.attr("pagination")}></nav>'
        )
        return self.shell(shop_name, t["nav_creators"], content, "creators")
