// The replica's single-page behaviour: lists load from the JSON API, dialogs, toasts, pagination.
(function () {
  "use strict";
  const SC = window.SC || {};
  const t = SC.t || {};
  const e2e = SC.e2e || {};

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function toast(text, kind) {
    const box = document.querySelector(".arco-message-list");
    const msg = el("div", {
      role: kind === "error" ? "alert" : "status", "class": "arco-message arco-message-" + (kind || "success"),
      "data-e2e": e2e.toast, text: text,
    });
    box.append(msg);
    setTimeout(() => msg.remove(), 4000);
  }

  function showCaptcha() {
    if (document.querySelector(".captcha_verify_container")) return;
    document.body.append(el("div", {"class": "arco-modal-mask"}, [
      el("div", {"class": "captcha_verify_container", role: "dialog", "aria-label": t.captcha_dialog},
        [el("p", {text: t.captcha_text})]),
    ]));
  }

  class ApiError extends Error {
    constructor(status, code) { super(code); this.status = status; this.code = code; }
  }

  async function api(method, url, body) {
    const response = await fetch(url, {
      method, headers: body ? {"Content-Type": "application/json"} : {},
      body: body ? JSON.stringify(body) : undefined, credentials: "same-origin",
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    if (response.status === 401) {
      toast(t.session_expired, "error");
      setTimeout(() => { location.href = "/account/login?redirect=" + encodeURIComponent(location.pathname); }, 300);
      throw new ApiError(401, "session_expired");
    }
    if (response.status === 403 && data.code === "captcha") { showCaptcha(); throw new ApiError(403, "captcha"); }
    if (response.status >= 500) { toast(t.server_error, "error"); throw new ApiError(response.status, "server_error"); }
    if (!response.ok) throw new ApiError(response.status, data.code || "error");
    return data;
  }

  function modal(label, fields, submitLabel, onSubmit) {
    const error = el("div", {role: "alert", "class": "arco-form-item-message", hidden: true});
    const submit = el("button", {"class": "arco-btn arco-btn-primary", type: "button", text: submitLabel});
    const cancel = el("button", {"class": "arco-btn", type: "button", text: t.cancel});
    const dialog = el("div", {"class": "arco-modal", role: "dialog", "aria-modal": "true", "aria-label": label,
                              "data-e2e": e2e.dialog},
      [el("h2", {text: label}), ...fields, error, el("div", {"class": "arco-modal-footer"}, [cancel, submit])]);
    const mask = el("div", {"class": "arco-modal-mask"}, [dialog]);
    const close = () => mask.remove();
    cancel.addEventListener("click", close);
    submit.addEventListener("click", async () => {
      submit.disabled = true;
      try {
        const problem = await onSubmit(close);
        if (problem) { error.textContent = problem; error.hidden = false; }
      } finally { submit.disabled = false; }
    });
    document.body.append(mask);
    const first = dialog.querySelector("input,textarea");
    if (first) first.focus();
    return {close};
  }

  function pagination(nav, page, pages, go) {
    nav.replaceChildren();
    const list = el("ul", {"class": "arco-pagination-list"});
    list.append(el("li", {}, [el("button", {"class": "arco-btn", "aria-label": t.prev_page, text: "‹",
      disabled: page <= 1, onclick: () => go(page - 1)})]));
    for (let n = 1; n <= pages; n++) {
      list.append(el("li", {}, [el("button", {"class": "arco-btn", "aria-current": n === page ? "page" : null,
        text: String(n), onclick: () => go(n)})]));
    }
    list.append(el("li", {}, [el("button", {"class": "arco-btn", "aria-label": t.next_page, text: "›",
      disabled: page >= pages, onclick: () => go(page + 1)})]));
    nav.append(list);
  }

  function busy(node, value) { node.setAttribute("aria-busy", value ? "true" : "false"); }

  function loadingRow(tbody, colspan) {
    tbody.replaceChildren(el("tr", {}, [el("td", {colspan: colspan, text: t.loading + "…"})]));
  }

  function errorRow(tbody, colspan, retry) {
    tbody.replaceChildren(el("tr", {}, [el("td", {colspan: colspan}, [
      el("span", {text: t.server_error + " "}),
      el("button", {"class": "arco-btn", text: t.retry, onclick: retry}),
    ])]));
  }

  function tabs(container, onChange) {
    container.querySelectorAll("[role=tab]").forEach((tab) => tab.addEventListener("click", () => {
      container.querySelectorAll("[role=tab]").forEach((other) => other.setAttribute("aria-selected", "false"));
      tab.setAttribute("aria-selected", "true");
      onChange(tab.dataset.tab);
    }));
  }

  // ----- reviews and comments ------------------------------------------------------------------
  function replyList(kind) {
    const table = document.querySelector("table.arco-table");
    const thead = table.querySelector("thead");
    const tbody = table.querySelector("tbody");
    const nav = document.querySelector("nav.arco-pagination");
    const state = {tab: "all", page: 1, size: 10, stars: []};
    const columns = kind === "reviews"
      ? [t.col_product, t.col_rating, t.col_review, t.col_order, t.col_action]
      : [t.col_video, t.col_buyer, t.col_comment, t.col_action];
    thead.replaceChildren(el("tr", {}, columns.map((c) => el("th", {text: c}))));

    function replyCell(item) {
      const cell = el("td", {});
      const replies = kind === "reviews" ? (item.reply ? [item.reply] : []) : item.replies;
      for (const r of replies) cell.append(el("div", {"class": "seller-reply", text: t.seller_reply + " " + r}));
      if (kind === "comments" || !item.reply) {
        cell.append(el("button", {"class": "arco-btn", "data-e2e": e2e.reply, text: t.reply,
                                  onclick: () => openReply(item)}));
      }
      return cell;
    }

    function row(item) {
      const cells = kind === "reviews"
        ? [el("td", {text: item.product}), el("td", {"aria-label": item.rating + " ★", text: "★".repeat(item.rating)}),
           el("td", {text: item.text}),
           el("td", {}, [el("a", {href: "/order/detail?id=" + item.order_id, text: item.order_id})])]
        : [el("td", {text: item.video}), el("td", {text: item.buyer}), el("td", {text: item.text})];
      return el("tr", {"class": "arco-table-tr", "data-row-key": item.id, "data-e2e": e2e.row},
        [...cells, replyCell(item)]);
    }

    function openReply(item) {
      const area = el("textarea", {"aria-label": t.reply_field, maxlength: "500", "class": "arco-textarea"});
      const counter = el("span", {text: "0/500"});
      area.addEventListener("input", () => { counter.textContent = area.value.length + "/500"; });
      const label = kind === "reviews" ? t.reply_review_dialog : t.reply_comment_dialog;
      modal(label, [el("p", {text: item.text}), area, counter], t.submit, async (close) => {
        if (!area.value.trim()) return t.empty_reply;
        try {
          const updated = await api("POST", "/api/" + kind + "/" + item.id + "/reply", {text: area.value});
          close();
          toast(t.reply_sent);
          const old = tbody.querySelector('[data-row-key="' + item.id + '"]');
          if (old) old.replaceWith(row(updated));
        } catch (err) {
          if (err.code === "reply_once") { close(); toast(t.reply_once, "error"); load(); return null; }
          if (err.status === 400) return t[err.code] || err.code;
          close();
        }
        return null;
      });
    }

    async function load() {
      busy(table, true);
      loadingRow(tbody, columns.length);
      const query = new URLSearchParams({tab: state.tab, page: state.page, size: state.size,
                                         stars: state.stars.join(",")});
      try {
        const data = await api("GET", "/api/" + kind + "?" + query);
        tbody.replaceChildren(...(data.items.length ? data.items.map(row)
          : [el("tr", {}, [el("td", {colspan: columns.length, text: t.no_data})])]));
        pagination(nav, data.page, data.pages, (p) => { state.page = p; load(); });
      } catch (err) {
        if (err.status >= 500) errorRow(tbody, columns.length, load);
      } finally { busy(table, false); }
    }

    tabs(document.querySelector("[role=tablist]"), (tab) => { state.tab = tab; state.page = 1; load(); });
    document.querySelectorAll(".star-filter").forEach((box) => box.addEventListener("change", () => {
      state.stars = [...document.querySelectorAll(".star-filter:checked")].map((b) => b.value);
      state.page = 1;
      load();
    }));
    load();
  }

  // ----- inbox ---------------------------------------------------------------------------------
  function inbox() {
    const listbox = document.querySelector("[role=listbox]");
    const section = document.getElementById("conversation");
    const state = {tab: "all", open: null};

    function option(conv) {
      const badge = conv.unread ? el("span", {"class": "badge", "aria-label": conv.unread + " " + t.unread_badge,
                                              text: String(conv.unread)}) : "";
      return el("li", {role: "option", "aria-selected": state.open === conv.id ? "true" : "false",
                       "data-row-key": conv.id, "data-e2e": e2e.option, tabindex: "0",
                       onclick: () => openConversation(conv.id)},
        [el("strong", {text: conv.buyer}), " ", badge, el("p", {text: conv.preview})]);
    }

    async function loadList() {
      busy(listbox, true);
      try {
        const data = await api("GET", "/api/conversations?tab=" + state.tab);
        listbox.replaceChildren(...data.items.map(option));
        if (!data.items.length) listbox.append(el("li", {role: "option", "aria-disabled": "true", text: t.no_data}));
      } catch (err) { /* toast already shown */ } finally { busy(listbox, false); }
    }

    function message(m) {
      return el("article", {"class": "msg " + m.sender, "aria-label": m.sender === "buyer" ? t.col_buyer : t.you,
                            "data-row-key": m.id, text: m.text});
    }

    async function openConversation(id) {
      state.open = id;
      section.setAttribute("aria-busy", "true");
      try {
        const conv = await api("GET", "/api/conversations/" + id);
        const log = el("div", {role: "log", "aria-live": "polite"}, conv.messages.map(message));
        const area = el("textarea", {"aria-label": t.type_message, maxlength: "2000", "class": "arco-textarea"});
        const send = el("button", {"class": "arco-btn arco-btn-primary", text: t.send});
        send.addEventListener("click", async () => {
          if (!area.value.trim()) return;
          send.disabled = true;
          try {
            const sent = await api("POST", "/api/conversations/" + id + "/messages", {text: area.value});
            log.append(message(sent));
            area.value = "";
            loadList();
          } catch (err) { /* toast already shown */ } finally { send.disabled = false; }
        });
        section.replaceChildren(el("section", {"aria-label": t.conversation_with + " " + conv.buyer}, [
          el("h2", {text: conv.buyer}), log, el("div", {"class": "order-card", text: "Order 5770… · Shipped"}),
          area, send]));
        listbox.querySelectorAll("[role=option]").forEach((o) =>
          o.setAttribute("aria-selected", o.dataset.rowKey === id ? "true" : "false"));
      } catch (err) { /* toast already shown */ } finally { section.setAttribute("aria-busy", "false"); }
    }

    tabs(document.querySelector("aside [role=tablist]"), (tab) => { state.tab = tab; loadList(); });
    loadList();
  }

  // ----- creators ------------------------------------------------------------------------------
  function creators() {
    const table = document.querySelector("table.arco-table");
    const thead = table.querySelector("thead");
    const tbody = table.querySelector("tbody");
    const nav = document.querySelector("nav.arco-pagination");
    const quota = document.getElementById("quota-left");
    const form = document.getElementById("creator-search");
    const state = {page: 1, size: 10, filters: {}};
    thead.replaceChildren(el("tr", {}, ["", t.col_creator, t.col_followers, t.col_gmv, t.col_action]
      .map((c) => el("th", {text: c}))));

    function compact(n) { return n >= 1000 ? (n / 1000).toFixed(1) + "K" : String(n); }

    function row(c) {
      const action = c.invited
        ? el("button", {"class": "arco-btn", disabled: true, text: t.invited})
        : el("button", {"class": "arco-btn", "data-e2e": e2e.invite, text: t.invite, onclick: () => openInvite(c)});
      return el("tr", {"class": "arco-table-tr", "data-row-key": c.id, "data-e2e": e2e.row}, [
        el("td", {}, [el("input", {type: "checkbox", "aria-label": "Select " + c.handle})]),
        el("td", {text: c.handle}), el("td", {text: compact(c.followers) + " " + t.followers_suffix}),
        el("td", {text: "R$ " + compact(c.gmv)}), el("td", {}, [action])]);
    }

    let fieldCount = 0;
    function field(label, input) {
      const id = "invite-field-" + (++fieldCount);
      input.setAttribute("id", id);
      return el("div", {"class": "arco-form-item"}, [el("label", {"for": id, text: label}), " ", input]);
    }

    function openInvite(c) {
      const name = el("input", {"class": "arco-input", role: "combobox", "aria-expanded": "false"});
      const text = el("textarea", {"class": "arco-textarea"});
      const rate = el("input", {"class": "arco-input", type: "number", min: "1", max: "80"});
      modal(t.invite_dialog, [el("p", {text: c.handle}), field(t.invitation_name, name), field(t.message, text),
                              field(t.commission_rate, rate)], t.send_invitation, async (close) => {
        try {
          const data = await api("POST", "/api/creators/" + c.id + "/invite",
            {name: name.value, message: text.value, commission_rate: rate.value ? Number(rate.value) : null});
          close();
          toast(t.invitation_sent);
          quota.textContent = String(data.quota_left);
          const old = tbody.querySelector('[data-row-key="' + c.id + '"]');
          if (old) old.replaceWith(row(data.creator));
        } catch (err) {
          if (err.status === 400) return t[err.code] || err.code;
          close();
          if (err.code === "quota_exhausted") { toast(t.quota_exhausted, "error"); quota.textContent = "0"; }
          else if (err.code === "already_invited") { toast(t.already_invited, "error"); load(); }
        }
        return null;
      });
    }

    async function load() {
      busy(table, true);
      loadingRow(tbody, 5);
      const query = new URLSearchParams({page: state.page, size: state.size, ...state.filters});
      try {
        const data = await api("GET", "/api/creators?" + query);
        quota.textContent = String(data.quota_left);
        tbody.replaceChildren(...(data.items.length ? data.items.map(row)
          : [el("tr", {}, [el("td", {colspan: 5, text: t.no_data})])]));
        pagination(nav, data.page, data.pages, (p) => { state.page = p; load(); });
      } catch (err) {
        if (err.status >= 500) errorRow(tbody, 5, load);
      } finally { busy(table, false); }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(form);
      state.filters = {};
      for (const [k, v] of data.entries()) if (String(v).trim()) state.filters[k] = String(v).trim();
      state.page = 1;
      load();
    });
    load();
  }

  const pages = {reviews: () => replyList("reviews"), comments: () => replyList("comments"), chat: inbox, creators};
  if (pages[SC.page]) pages[SC.page]();
})();
