// The supervisor board: live figures over /ws/board, emergency banners and recordings, listen-in.
// Built with textContent only (Console.el, createElementNS for the chart): no HTML from data.
"use strict";

(() => {
  const { send, live, el } = Console;
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  const STATES = { offline: "未接続", ready: "受付中", reserved: "発信中", on_call: "通話中",
                   wrap_up: "後処理", paused: "離席中" };
  const CAMPAIGN = { running: "発信中", window_closed: "時間外・期間外", suspended: "停止命令中",
                     asterisk_down: "Asterisk 停止", nothing_due: "本日の架電対象なし" };
  const SCOPES = { outbound: "架電（全債権）", debt_type: "架電", callbacks: "折返し対応",
                  data: "データの取込・出力" };
  const DEFAULT_HOURS = [9, 20];  // the chart shows at least these hours (centre's time)
  const names = {};
  let operators = [];
  let receivedAt = Date.now();
  const dismissed = new Set();
  const shownAlerts = new Map();

  const pct = (x) => (x * 100).toFixed(1) + "%";
  const hhmm = (iso) => iso ? new Date(iso).toLocaleString("ja-JP", {
    timeZone: "Asia/Tokyo", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" }) : "";
  const clock = (iso) => iso ? new Date(iso).toLocaleTimeString("ja-JP", { timeZone: "Asia/Tokyo" }) : "";
  const debtName = (code) => names[code] || code;
  const num = (value, cls) => el("td", { class: "num" + (cls ? " " + cls : "") }, value);

  function duration(seconds) {
    if (seconds === null || seconds === undefined) { return ""; }
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(r).padStart(2, "0");
  }

  // --- emergencies --------------------------------------------------------------------------
  function alertKey(a) { return a.call_id + "@" + a.at; }

  function addAlert(a) {
    const key = alertKey(a);
    if (dismissed.has(key) || shownAlerts.has(key)) { return; }
    const close = el("button", { type: "button", class: "quiet" }, "確認");
    const banner = el("div", { class: "alert" },
      el("strong", {}, "緊急フラグ"), " ", clock(a.at), " — ", a.reason_label || a.reason,
      " — 通話 ", a.call_id, "（", a.by, "）", " ", close);
    close.addEventListener("click", () => {
      dismissed.add(key);
      shownAlerts.delete(key);
      banner.remove();
    });
    shownAlerts.set(key, banner);
    $("alerts").prepend(banner);
  }

  // --- the board ----------------------------------------------------------------------------
  function render(board) {
    receivedAt = Date.now();
    $("board-error").textContent = "";
    $("board-at").textContent = hhmm(board.at) + " 現在";
    const ast = $("asterisk");
    ast.textContent = board.asterisk_up ? "Asterisk 接続中" : "Asterisk 停止";
    ast.className = "pill " + (board.asterisk_up ? "ok" : "down");
    const dial = $("dialing");
    dial.textContent = board.dialing ? "発信中" : "発信停止";
    dial.className = "pill " + (board.dialing ? "ok" : "idle");
    renderTotals(board);
    renderInbound(board.inbound);
    renderLines(board.lines);
    renderCampaigns(board.campaigns);
    renderDebtTypes(board.debt_types);
    renderChart(board.hours);
    operators = board.operators;
    renderOperators();
    renderAssignments(board.assignments);
    renderResults(board.results);
    renderRecordings(board.recordings || []);
    (board.emergencies || []).forEach(addAlert);
    renderSuspensions(board.suspensions || []);
    renderReportsOverdue(board.reports_overdue);
  }

  // --- the daily reports missing past [reports] deadline_at (retried by the service) ---------
  function renderReportsOverdue(day) {
    const box = $("reports-overdue");
    box.hidden = !day;
    box.replaceChildren(...(day ? [el("div", { class: "suspension" },
      el("strong", {}, "日次報告 未作成"), " ", day,
      " 分の日次報告（業務日報ほか）が出力フォルダにありません。再作成を試みています。提出期限は 9:30 です — 管理 → 報告書")] : []));
  }

  // --- the city's suspension orders in force (dialer suspend / 停止命令) ---------------------
  function renderSuspensions(orders) {
    const box = $("suspensions");
    box.hidden = orders.length === 0;
    box.replaceChildren(...orders.map((o) => el("div", { class: "suspension" },
      el("strong", {}, "停止命令中"), " ",
      SCOPES[o.scope] || o.scope, o.debt_type ? "（" + debtName(o.debt_type) + "）" : "",
      " — ", o.reason, " — 市の指示 ", o.city_ref, "（", hhmm(o.recorded_at), " ", o.recorded_by,
      "・番号 ", o.id, "）")));
  }

  // --- emergency recordings: running ones (stop) and reports to acknowledge -------------------
  function renderRecordings(rows) {
    $("recordings-card").hidden = rows.length === 0;
    $("recordings").replaceChildren(...rows.map((r) => {
      const action = el("td", {});
      if (r.state === "recording") {
        action.append(recordingButton("録音を停止", "danger", `/api/recordings/${r.id}/stop`));
      } else {
        action.append(recordingButton("確認", "quiet", `/api/recordings/${r.id}/ack`));
      }
      const length = r.duration_s === null ? "" : duration(r.duration_s);
      const ended = r.stopped_by ? `（${r.stopped_by} が停止）` : "";
      return el("tr", { class: "recording " + r.state, id: "recording-" + r.id },
        num(r.id), el("td", {}, r.state_label), el("td", {}, clock(r.started_at), " ", r.flagged_by),
        el("td", {}, r.reason_label), el("td", {}, r.consent_label),
        el("td", {}, length, ended, r.failure ? " " + r.failure : ""), el("td", {}, r.call_id), action);
    }));
  }

  function recordingButton(label, cls, url) {
    const button = el("button", { type: "button", class: cls }, label);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await send("POST", url, {});
        $("recordings-message").textContent = "";
      } catch (error) {
        $("recordings-message").textContent = label + "できません: " + error.message;
        button.disabled = false;
      }
    });
    return button;
  }

  function renderTotals(board) {
    const persons = board.persons;
    const rate = $("person-rate");
    rate.textContent = persons.listed ? pct(persons.person_contact_rate) : "—";
    rate.className = persons.below_target ? "below" : (persons.listed ? "met" : "");
    $("persons-contacted").textContent = persons.contacted;
    $("persons-listed").textContent = persons.listed;
    $("persons-new").textContent = persons.new_today;
    $("persons-excluded").textContent = persons.excluded;
    const projected = persons.projection;
    const shown = $("projected-rate");
    shown.textContent = projected && projected.calling_days_done ? pct(projected.person_contact_rate) : "—";
    shown.className = projected && projected.calling_days_done ? (projected.below_target ? "below" : "met") : "";
    $("projected-detail").textContent = projected ? "（" + projected.contacted + " 人、経過 " +
      projected.calling_days_done + " 日・残り " + projected.calling_days_left + " 日）" : "（実施期間が未設定）";
    $("total-rate").textContent = board.totals.calls ? pct(board.totals.contact_rate) : "—";
    $("total-calls").textContent = board.totals.calls;
    $("total-contacts").textContent = board.totals.contacts;
  }

  function renderInbound(i) {
    $("in-waiting").textContent = i.waiting_now;
    $("in-longest").textContent = Math.round(i.longest_waiting_now_s);
    $("in-received").textContent = i.received;
    $("in-connected").textContent = i.connected;
    $("in-abandoned").textContent = i.abandoned;
    $("in-out-of-hours").textContent = i.out_of_hours;
    $("in-out-of-period").textContent = i.out_of_period;
    $("in-congestion").textContent = i.congestion;
    $("in-waiting").className = i.waiting_now ? "below" : "";
  }

  // The trunk shared by outbound calls and callbacks; the reserve is kept for callbacks.
  function renderLines(l) {
    $("lines").hidden = !l;
    if (!l) { return; }
    $("lines-in-use").textContent = l.in_use;
    $("lines-max").textContent = l.max_lines;
    $("lines-outbound").textContent = l.outbound + "（上限 " + l.outbound_cap + "）";
    $("lines-waiting").textContent = l.callbacks_waiting;
    $("lines-talking").textContent = l.callbacks_talking;
    $("lines-reserve").textContent = l.reserve + "（" + l.callback_erlangs.toFixed(2) + " アーラン）";
    $("lines-free").textContent = l.free;
    $("lines-free").className = l.free < l.reserve ? "below" : "";
  }

  function renderCampaigns(campaigns) {
    $("no-campaigns").hidden = campaigns.length > 0;
    $("campaigns").replaceChildren(...campaigns.map((c) => {
      let until = c.until ? (c.state === "running" ? "〜" + clock(c.until) : "次回 " + hhmm(c.until)) : "";
      if (c.state === "nothing_due" && !c.until) { until = "全件完了"; }
      return el("tr", {}, el("td", {}, c.batch_id), el("td", {}, debtName(c.debt_type)),
        el("td", {}, el("span", { class: "campaign " + c.state }, CAMPAIGN[c.state] || c.state)),
        el("td", { class: "when" }, until));
    }));
  }

  function rateCell(r) {  // 接触件数率: secondary, no target
    const cell = num(r.calls ? pct(r.contact_rate) : "—");
    cell.id = "contact-rate-" + r.debt_type;
    return cell;
  }

  function personCell(r) {  // 対象者接触率 against the target
    const p = r.persons;
    const cell = num(p.listed ? pct(p.person_contact_rate) : "—", p.below_target ? "below" : (p.listed ? "met" : ""));
    cell.id = "person-rate-" + r.debt_type;
    return cell;
  }

  function renderDebtTypes(rows) {
    if (!rows.length) {
      $("debt-types").replaceChildren(el("tr", {}, el("td", { colSpan: 10, class: "when" }, "本日の結果はまだありません。")));
      return;
    }
    $("debt-types").replaceChildren(...rows.map((r) => el("tr", {},
      el("td", {}, r.label || debtName(r.debt_type)), num(r.in_play), personCell(r), num(r.persons.new_today),
      num(r.calls), num(r.contacts), rateCell(r),
      num(r.promises), num(r.escalations, r.escalations ? "mark" : ""), num(r.callbacks))));
  }

  function renderOperators() {
    const elapsed = (Date.now() - receivedAt) / 1000;
    $("operators").replaceChildren(...operators.map((op) => {
      let state = STATES[op.state] || op.state;
      if (op.state === "paused" && op.pause_reason) { state += "（" + op.pause_reason + "）"; }
      if (op.notice) { state += "（" + op.notice + "）"; }
      const action = el("td", {});
      if (op.state === "on_call") {
        const button = el("button", { type: "button", class: "quiet" }, "モニター");
        button.addEventListener("click", () => listenIn(op.seat, button));
        action.append(button);
      }
      const skills = (op.skills || []).map(debtName).join("・") || "全債権";
      return el("tr", {}, el("td", {}, op.seat), el("td", {}, op.login), el("td", {}, skills),
        el("td", {}, el("span", { class: "state " + op.state }, state)),
        num(op.in_state_s === null ? "" : duration(op.in_state_s + elapsed)), action);
    }));
  }

  function renderAssignments(batches) {
    const rows = [];
    for (const b of batches) {
      const label = debtName(b.debt_type) + " " + b.month;
      for (const share of b.operators) {
        rows.push(el("tr", {}, el("td", {}, b.batch_id), el("td", {}, label), el("td", {}, share.operator),
          num(share.targets), num(share.remaining)));
      }
      rows.push(el("tr", { class: "unassigned" }, el("td", {}, b.batch_id), el("td", {}, label),
        el("td", {}, "未割当"), num(b.unassigned), num(b.unassigned_remaining)));
    }
    $("assignments").replaceChildren(...rows);
  }

  function renderResults(results) {
    $("results").replaceChildren(...results.map((r) => el("tr", {},
      el("td", {}, r.code, " ", el("span", { class: "mark" }, r.mark)), el("td", {}, r.label), num(r.count))));
  }

  // --- the hourly chart: bars = calls, line = 接触件数率 (per call: no target line, the 70% is per person)
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) { node.setAttribute(k, String(v)); }
    if (text !== undefined) { node.textContent = String(text); }
    return node;
  }

  function renderChart(hours) {
    const busy = hours.filter((h) => h.calls > 0).map((h) => h.hour);
    const lo = Math.min(DEFAULT_HOURS[0], ...busy), hi = Math.max(DEFAULT_HOURS[1], ...busy);
    const shown = hours.filter((h) => h.hour >= lo && h.hour <= hi);
    const W = 760, H = 240, left = 40, right = 44, top = 12, bottom = 28;
    const plotW = W - left - right, plotH = H - top - bottom;
    const maxCalls = Math.max(1, ...shown.map((h) => h.calls));
    const step = plotW / Math.max(1, shown.length);
    const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "hours", role: "img",
                               "aria-label": "時間帯別の架電数と接触件数率" });
    const y = (calls) => top + plotH - (calls / maxCalls) * plotH;
    const yRate = (r) => top + plotH - r * plotH;
    chart.append(svg("line", { x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH, class: "axis" }));
    chart.append(svg("text", { x: left - 6, y: top + 10, class: "tick end" }, maxCalls));
    chart.append(svg("text", { x: left - 6, y: top + plotH, class: "tick end" }, 0));
    chart.append(svg("text", { x: left + plotW + 6, y: top + 10, class: "tick" }, "100%"));
    chart.append(svg("text", { x: left + plotW + 6, y: top + plotH, class: "tick" }, "0%"));
    const points = [];
    shown.forEach((h, i) => {
      const x = left + i * step;
      const bar = svg("rect", { x: x + step * 0.15, y: y(h.calls), width: step * 0.7,
                                height: top + plotH - y(h.calls), class: "calls" });
      bar.append(svg("title", {}, `${h.hour}時: 架電 ${h.calls}・接触 ${h.contacts}`));
      chart.append(bar);
      chart.append(svg("text", { x: x + step / 2, y: H - 10, class: "tick middle" }, h.hour));
      if (h.calls > 0) { points.push([x + step / 2, yRate(h.contact_rate)]); }
    });
    if (points.length > 1) {
      chart.append(svg("polyline", { points: points.map((p) => p[0] + "," + p[1]).join(" "), class: "rate" }));
    }
    for (const [px, py] of points) {
      chart.append(svg("circle", { cx: px, cy: py, r: 3.5, class: "rate" }));
    }
    $("hours-chart").replaceChildren(chart);
  }

  // --- listen-in ----------------------------------------------------------------------------
  async function listenIn(seat, button) {
    const phone = $("listen-phone").value;
    const message = $("listen-message");
    if (!phone) { message.textContent = "モニター用電話（自席）を選んでください。"; return; }
    button.disabled = true;
    try {
      const answer = await send("POST", "/api/board/listen", { seat, phone });
      message.textContent = `${answer.listening.phone} を呼び出しています — 応答すると ${seat}（${answer.listening.operator}）の通話を聴けます。`;
    } catch (error) {
      message.textContent = "モニターできません: " + error.message;
    } finally {
      button.disabled = false;
    }
  }

  function readNames() {
    const list = $("debt-type-names");
    const dts = list ? list.querySelectorAll("dt") : [];
    for (const dt of dts) { names[dt.textContent] = dt.nextElementSibling ? dt.nextElementSibling.textContent : ""; }
  }

  const CALL_BACKS_EVERY_MS = 60000;

  function dueCell(overdue) {
    return el("td", { class: overdue ? "late" : "" }, overdue ? "時刻経過" : "予定");
  }

  async function loadCallBacks() {
    try {
      const list = await send("GET", "/api/console/callbacks");
      $("call-backs-targets").replaceChildren(...list.targets.map((c) => el("tr", {},
        el("td", {}, hhmm(c.at)), el("td", {}, c.debt_type), el("td", {}, c.ref),
        el("td", {}, c.operator), dueCell(c.overdue))));
      $("call-backs-callers").replaceChildren(...list.callers.map((c) => el("tr", {},
        el("td", {}, c.at ? hhmm(c.at) : "早めに"), el("td", {}, c.number), el("td", {}, c.note),
        el("td", {}, hhmm(c.called_at) + " " + c.operator), dueCell(c.overdue))));
      $("call-backs-count").textContent = "約束 " + list.targets.length + " 件・番号あり " +
        list.callers.length + " 件（" + clock(list.now) + " 現在）";
    } catch (error) {
      $("call-backs-count").textContent = "一覧を読めませんでした（次の更新で再試行）";
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    readNames();
    live("/ws/board", (message) => {
      if (message.type === "board") { render(message); }
      else if (message.type === "emergency") { addAlert(message); }
    }, (up) => {
      $("live").className = "live " + (up ? "on" : "off");
      if (!up) { $("board-error").textContent = "接続が切れました。再接続中…"; }
    });
    setInterval(renderOperators, 1000);
    loadCallBacks();
    setInterval(loadCallBacks, CALL_BACKS_EVERY_MS);
  });
})();
