// The operator console: state, screen-pop, identity check, script and Q&A, result form.
"use strict";

(() => {
  const { send, live, el } = Console;
  const $ = (id) => document.getElementById(id);
  const STATES = { offline: "未接続", ready: "受付中", reserved: "発信中", on_call: "通話中",
                   wrap_up: "後処理", paused: "離席中" };
  let current = { state: "offline", call: null };
  let shownCall = null;
  let shownCallId = null;  // the call the result message belongs to
  let qa = [];

  // Time in state by the service's clock (in_state_s when the state arrived, plus what passed
  // since on this page): the browser's own clock may be off, and the demo's clock is shifted.
  function inState() {
    if (typeof current.in_state_s !== "number") { return ""; }
    const seconds = Math.floor(current.in_state_s + (Date.now() - current.receivedAt) / 1000);
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  function show(message, target, ok) {
    const where = target || $("message");
    where.textContent = message || "";
    where.classList.toggle("ok", Boolean(ok));
  }

  async function act(name, body) {
    show("");
    try {
      apply(await send("POST", "/api/console/" + name, body || {}));
    } catch (error) {
      // a database that cannot take it now (503): nothing changed, the same click works later
      show(error.message + (error.status === 503 ? " 少し待ってからもう一度お試しください。" : ""));
    }
  }

  function apply(state) {
    current = { ...state, receivedAt: Date.now() };
    const badge = $("state");
    badge.textContent = STATES[state.state] || state.state;
    badge.className = "state " + state.state;
    badge.dataset.state = state.state;
    if (state.seat) { $("seat").value = state.seat; }
    if (state.pause_reason) { badge.textContent += "（" + state.pause_reason + "）"; }
    if (state.notice) { show(state.notice); }  // the seat phone went away: what to do now
    renderSuspension(state.suspension);
    const onCall = state.state === "on_call";
    $("ready").disabled = !["offline", "paused"].includes(state.state);
    $("ready").textContent = state.state === "paused" ? "再開" : "受付開始";
    $("pause").disabled = state.state !== "ready";
    $("leave").disabled = !["ready", "paused"].includes(state.state);
    $("hangup").disabled = !onCall;
    $("emergency-open").disabled = !onCall;
    $("save").disabled = !(onCall || state.state === "wrap_up") || !state.call;
    renderCall(state.call);
  }

  // The city's suspension order (停止命令): what is halted, until a manager records the release.
  function renderSuspension(halted) {
    const banner = $("suspension-banner");
    if (!banner || !Array.isArray(halted)) { return; }
    banner.hidden = halted.length === 0;
    banner.textContent = halted.length ? "市の指示により停止中: " + halted.join("、") : "";
  }

  // The caller search (本人確認 of a caller from a number never dialed): only debt type, 管理番号
  // and name come back; the record opens after 本人確認OK.
  async function searchCaller(event) {
    event.preventDefault();
    const f = $("caller-search").elements;
    $("search-none").hidden = true;
    show("");
    try {
      const state = await send("POST", "/api/console/search", { by: f.by.value, query: f.query.value });
      shownCall = null;
      apply(state);
      $("search-none").hidden = !(state.call && state.call.found && state.call.found.length === 0);
    } catch (error) { show(error.message); }
  }

  async function loadCallBacks() {
    try {
      const list = await send("GET", "/api/console/callbacks");
      $("call-backs-targets").replaceChildren(...list.targets.map((c) => el("tr", {},
        el("td", {}, when(c.at)), el("td", {}, c.debt_type), el("td", {}, c.ref), el("td", {}, c.operator))));
      $("call-backs-callers").replaceChildren(...list.callers.map((c) => el("tr", {},
        el("td", {}, c.at ? when(c.at) : "早めに"), el("td", {}, c.number), el("td", {}, c.note),
        el("td", {}, when(c.called_at) + " " + c.operator))));
    } catch (error) { /* the list is a convenience: the next refresh tries again */ }
  }

  function renderCall(call) {
    const key = call ? call.id + (call.verified ? ":v" : "") + (call.record ? ":r" : "") +
      ":" + (call.found || []).map((f) => f.target_id).join(",") : null;
    if (key === shownCall) { return; }
    shownCall = key;
    if (call && call.id !== shownCallId) { show("", $("result-message")); }  // 「保存しました」 was for the call before
    shownCallId = call ? call.id : shownCallId;
    $("idle-hint").hidden = Boolean(call);
    $("identity").hidden = !(call && call.kind === "callback" && !call.verified);
    $("record").hidden = !(call && call.record);
    if (!call) { clearRecord(); return; }
    if (call.kind === "callback" && !call.verified) { renderCandidates(call); }
    if (call.record) { renderRecord(call.record); loadDocuments(call.record.debt_type); }
  }

  function renderCandidates(call) {
    const body = $("candidates");
    body.replaceChildren();
    const offered = call.candidates.concat(
      (call.found || []).filter((f) => !call.candidates.some((c) => c.target_id === f.target_id)));
    $("no-candidates").hidden = offered.length > 0;
    $("search-more").hidden = !call.more;
    for (const c of offered) {
      const ok = el("button", { type: "button", class: "identify" }, "本人確認OK");
      ok.addEventListener("click", () => act("identify", { target_id: c.target_id, verified: true }));
      const fail = el("button", { type: "button", class: "quiet" }, "確認できず");
      fail.addEventListener("click", () => {
        act("identify", { target_id: c.target_id, verified: false });
        const code = document.querySelector('input[name="code"][value="204"]');
        if (code) { code.checked = true; codeChanged(); }
      });
      body.append(el("tr", {}, el("td", {}, c.debt_type), el("td", {}, c.ref), el("td", {}, c.name || ""),
                      el("td", {}, ok, " ", fail)));
    }
  }

  const yen = (n) => (n === null || n === undefined) ? "" : n.toLocaleString("ja-JP") + " 円";
  const day = (iso) => iso ? iso.slice(0, 10) : "";
  const when = (iso) => iso ? new Date(iso).toLocaleString("ja-JP", { timeZone: "Asia/Tokyo" }) : "";

  function renderRecord(r) {
    $("rec-name").textContent = r.name;
    $("rec-kana").textContent = r.kana;
    $("rec-debt-type").textContent = r.debt_type_name + "（" + r.month + "）";
    $("rec-ref").textContent = r.ref;
    $("rec-phones").textContent = r.phones.join(" / ");
    $("rec-total").textContent = yen(r.total);
    $("rec-debts").replaceChildren(...r.debts.map((d) => el("tr", {},
      el("td", {}, d.fiscal_year ?? ""), el("td", {}, d.installment ?? ""),
      el("td", {}, day(d.due_date)), el("td", { class: "num" }, yen(d.amount)))));
    $("rec-calls").replaceChildren(...r.calls.map((c) => el("tr", {},
      el("td", {}, when(c.at)), el("td", {}, c.direction === "in" ? "着信" : "発信"),
      el("td", {}, (c.result_code || "通話中") + " " + (c.label || "")), el("td", {}, c.operator))));
    $("rec-notes").replaceChildren(...r.notes.map((n) => el("li", {},
      el("span", { class: "when" }, when(n.at) + " " + n.author + " " + n.result_code + " "),
      n.note)));
    $("record").dataset.transfer = r.transfer_designated ? "1" : "0";
    codeChanged();
  }

  function clearRecord() {
    for (const id of ["rec-name", "rec-kana", "rec-debt-type", "rec-ref", "rec-phones", "rec-total"]) {
      $(id).textContent = "";
    }
    for (const id of ["rec-debts", "rec-calls", "rec-notes", "candidates"]) { $(id).replaceChildren(); }
    $("script-body").textContent = "（通話中に承認済みのスクリプトが表示されます）";
    qa = [];
    renderQa();
  }

  async function loadDocuments(debtType) {
    $("manual-link").href = "/console/manual?debt_type=" + encodeURIComponent(debtType);
    try {
      const docs = await send("GET", "/api/console/documents?debt_type=" + encodeURIComponent(debtType));
      $("script-body").textContent = docs.script ? docs.script.body : "（承認済みのスクリプトがありません）";
      qa = docs.qa ? docs.qa.entries : [];
    } catch (error) {
      $("script-body").textContent = "（スクリプトを読み込めません）";
      qa = [];
    }
    renderQa();
  }

  function normal(text) {
    return text.normalize("NFKC").toLowerCase()
      .replace(/[\u30a1-\u30f6]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x60));
  }

  function renderQa() {
    const wanted = normal($("qa-search").value.trim());
    const found = qa.filter((e) => !wanted || normal(e.question + " " + e.answer).includes(wanted));
    $("qa-list").replaceChildren(...found.flatMap((e) => [el("dt", {}, e.question), el("dd", {}, e.answer)]));
  }

  function selectedCode() {
    return document.querySelector('input[name="code"]:checked');
  }

  function codeChanged() {
    const chosen = selectedCode();
    const label = chosen ? chosen.closest("label") : null;
    const designated = $("record").dataset.transfer === "1";
    $("transfer").hidden = !(label && label.dataset.transfer === "1" && designated);
    const unidentified = current.call && current.call.kind === "callback" && !current.call.verified;
    $("appointment-field").hidden = !(label && (label.dataset.appointment === "1" || unidentified));
    if (label && label.dataset.mark) { $("result-form").elements.escalation.checked = true; }
  }

  // Saving a result: the form is cleared only once the server confirmed it. A database that
  // cannot take it now (503) or a lost connection keeps the form as typed and sends it again
  // by itself (2 s, 4 s, 8 s … at most 30 s apart; "今すぐ再送" sends at once). Every try of one
  // save carries the same id, so a save whose answer was lost is never recorded twice.
  const saving = { id: null, busy: false, timer: null, tries: 0, afterUnlock: false };

  function newSaveId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function resultBody() {
    const form = $("result-form");
    const chosen = selectedCode();
    if (!chosen) { return null; }
    const transfer = form.querySelector('input[name="account_transfer"]:checked');
    return {
      code: chosen.value,
      note: form.elements.note.value,
      appointment: $("appointment-field").hidden ? "" : form.elements.appointment.value,
      account_transfer: $("transfer").hidden || !transfer ? "" : transfer.value,
      escalation: form.elements.escalation.checked,
      complaint: form.elements.complaint.checked,
      residents_voice: form.elements.residents_voice.checked,
      phone: form.elements.phone.value,
    };
  }

  function stopRetrying() {
    clearTimeout(saving.timer);
    saving.timer = null;
    $("retry-now").hidden = true;
  }

  async function saveResult(event) {
    if (event) { event.preventDefault(); }
    if (saving.busy) { return; }
    const body = resultBody();
    if (!body) { show("結果を選んでください", $("result-message")); return; }
    stopRetrying();
    saving.id = saving.id || newSaveId();
    saving.busy = true;
    $("save").disabled = true;
    try {
      apply(await send("POST", "/api/console/result", { ...body, save_id: saving.id }));
      saving.id = null;
      saving.tries = 0;
      $("result-form").reset();
      codeChanged();
      show("保存しました", $("result-message"), true);
      if (document.activeElement && document.activeElement !== document.body) {
        document.activeElement.blur();  // the next call's keys choose a result, not type a note
      }
      loadCallBacks();
    } catch (error) {
      saveFailed(error);
    } finally {
      saving.busy = false;
    }
  }

  function saveFailed(error) {
    $("save").disabled = false;  // the form keeps what the operator typed: fix or retry
    if (error.status === 423) {  // locked screen: sent again once unlocked
      saving.afterUnlock = true;
      show("保存できませんでした（画面ロック中）。ロック解除後に再送します。", $("result-message"));
      return;
    }
    if (error.status !== 503 && error.status !== undefined) {  // refused: the reason says why
      show("保存できませんでした：" + error.message, $("result-message"));
      return;
    }
    const delay = Math.min(2000 * 2 ** saving.tries, 30000);
    saving.tries += 1;
    const reason = error.status === 503 ? error.message : "サーバーに接続できません。";
    show("保存できませんでした：" + reason + " 入力内容は保持しています。" + delay / 1000 +
         " 秒後に自動で再送します。", $("result-message"));
    $("retry-now").hidden = false;
    saving.timer = setTimeout(() => { saving.timer = null; saveResult(); }, delay);
  }

  function shortcuts(event) {
    if (event.ctrlKey && event.key === "Enter") { saveResult(); event.preventDefault(); return; }
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)
      && !["radio", "checkbox"].includes(document.activeElement.type);
    if (typing || event.ctrlKey || event.altKey || event.metaKey || Console.locked) { return; }
    const radio = document.querySelector('input[name="code"][data-key="' + event.key + '"]');
    if (radio) { radio.checked = true; codeChanged(); event.preventDefault(); }
  }

  function emergency() {
    const dialog = $("emergency");
    $("emergency-form").reset();
    dialog.showModal();
    dialog.addEventListener("close", async () => {
      if (dialog.returnValue !== "flag") { return; }
      const f = $("emergency-form").elements;
      try {
        await send("POST", "/api/console/emergency", { reason: f.reason.value, consent: f.consent.value, text: f.text.value });
        show("緊急事態を記録しました（管理者に通知）", null, true);
      } catch (error) { show("緊急記録に失敗：" + error.message); }
    }, { once: true });
  }

  function start() {
    $("ready").addEventListener("click", () => act("ready", { seat: $("seat").value }));
    $("pause").addEventListener("click", () => act("pause", { reason: $("pause-reason").value }));
    $("leave").addEventListener("click", () => act("leave"));
    $("hangup").addEventListener("click", () => act("hangup"));
    $("emergency-open").addEventListener("click", emergency);
    $("result-form").addEventListener("submit", saveResult);
    $("retry-now").addEventListener("click", () => saveResult());
    $("result-form").addEventListener("change", (e) => { if (e.target.name === "code") { codeChanged(); } });
    $("qa-search").addEventListener("input", renderQa);
    $("caller-search").addEventListener("submit", searchCaller);
    $("call-backs-load").addEventListener("click", loadCallBacks);
    loadCallBacks();
    document.addEventListener("keydown", shortcuts);
    setInterval(() => { $("state-time").textContent = inState(); }, 1000);
    live("/ws/console", (message) => {
      if (message.type === "state") { apply(message); }
      else if (message.type === "suspension") { renderSuspension(message.suspension); }
    },
         (up) => { $("live").className = "live " + (up ? "on" : "off"); });
    Console.onLock((locked) => {
      if (locked) { shownCall = null; clearRecord(); return; }
      send("GET", "/api/console").then(apply).catch(() => {});
      if (saving.afterUnlock) { saving.afterUnlock = false; saveResult(); }
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
