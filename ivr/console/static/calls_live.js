// The calls pages' live part: follows the server-sent events of /console/calls/live (the list) or
// /console/calls/ID/live (one call) and adds what they bring. Every value from a call (transcripts
// are what a caller said: untrusted) goes in with textContent, never as HTML. Lines already shown
// are skipped by their event id: after a reconnect the server may send a few again.
(function () {
  "use strict";
  var root = document.querySelector("[data-stream]");
  var labelsEl = document.getElementById("call-labels");
  if (!root || !labelsEl) { return; }
  var labels = JSON.parse(labelsEl.textContent);
  var words = labels.words;
  var shown = new Set();
  document.querySelectorAll("[data-event-id]").forEach(function (el) { shown.add(el.dataset.eventId); });
  var onePage = document.getElementById("transcript") !== null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function label(map, key) { return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : key; }
  function duration(s) {
    if (s === null || s === undefined) { return words.none; }
    if (s >= 60) { return Math.floor(s / 60) + "分" + String(s % 60).padStart(2, "0") + "秒"; }
    return s + "秒";
  }
  function setState(text) {
    var state = document.getElementById("live-state");
    if (state) { state.textContent = text; }
  }

  function lineItem(line) {
    var li = el("li", "line " + line.kind);
    li.dataset.eventId = String(line.id);
    li.appendChild(el("time", "", line.at));
    li.appendChild(el("span", "who", label(labels.kinds, line.kind)));
    li.appendChild(el("span", "text", line.kind === "transfer" ? label(labels.reasons, line.text) : line.text));
    if (line.detail) { li.appendChild(el("span", "detail", line.detail)); }
    return li;
  }

  function followUpCell(cell, call) {
    cell.textContent = "";
    if (call.follow_up_open) {
      cell.appendChild(el("span", "tag follow-up", label(labels.reasons, call.follow_up_reason)));
      var form = el("form", "inline follow-up-form");
      form.method = "post";
      form.action = "/console/calls/" + call.id + "/follow-up";
      var token = el("input"); token.type = "hidden"; token.name = "csrf_token"; token.value = labels.csrf;
      var next = el("input"); next.type = "hidden"; next.name = "next"; next.value = location.pathname + location.search;
      var button = el("button", "secondary small", words.follow_up_done); button.type = "submit";
      form.append(token, next, button);
      cell.appendChild(form);
    } else if (call.follow_up_reason) {
      cell.appendChild(el("span", "muted cleared", words.cleared + "（" + call.follow_up_cleared_by + " " +
        call.follow_up_cleared_at + "）"));
    } else if (onePage) {
      cell.textContent = words.none;
    }
  }

  function outcomeTag(call) {
    return el("span", "tag outcome-" + call.outcome, label(labels.outcomes, call.outcome));
  }
  function reasonText(call) {
    return call.transfer_reason ? label(labels.reasons, call.transfer_reason) : words.none;
  }

  // ----- the list page ------------------------------------------------------------------------
  function tableRow(call) {
    var tbody = document.querySelector("#calls tbody");
    var tr = document.getElementById("call-" + call.id);
    if (!tr) {
      tr = el("tr");
      tr.id = "call-" + call.id;
      tr.dataset.callId = String(call.id);
      ["started", "driver", "vehicle", "outcome", "num duration", "reason", "follow", "summary", "sms", ""]
        .forEach(function (cls) { tr.appendChild(el("td", cls)); });
      var link = el("a", "open", words.open);
      link.href = "/console/calls/" + call.id;
      tr.lastChild.appendChild(link);
      tbody.insertBefore(tr, tbody.firstChild);
      var count = document.getElementById("call-count");
      if (count) { count.textContent = String(tbody.rows.length); }
      var none = document.getElementById("no-calls");
      if (none) { none.hidden = true; }
    }
    tr.classList.toggle("live", call.live);
    tr.classList.toggle("handover", call.live && call.handed_over);
    tr.classList.toggle("follow-up", call.follow_up_open);
    tr.querySelector(".started").textContent = call.started;
    tr.querySelector(".driver").textContent = call.driver || words.none;
    tr.querySelector(".vehicle").textContent = call.vehicles.join("、") || words.none;
    var outcome = tr.querySelector(".outcome"); outcome.textContent = ""; outcome.appendChild(outcomeTag(call));
    tr.querySelector(".duration").textContent = duration(call.duration_s);
    tr.querySelector(".reason").textContent = reasonText(call);
    followUpCell(tr.querySelector(".follow"), call);
    tr.querySelector(".summary").textContent = call.summary || words.none;
    tr.querySelector(".sms").textContent = call.sms || words.none;
  }

  function liveCard(call) {
    var grid = document.getElementById("live-calls");
    if (!grid) { return; }
    var card = document.getElementById("live-" + call.id);
    if (!card) {
      if (!call.live) { return; }
      card = el("article", "live-call");
      card.id = "live-" + call.id;
      card.dataset.callId = String(call.id);
      var header = el("header");
      var badge = el("span", "tag handover-badge", words.handover);
      badge.appendChild(el("span", "reason"));
      var link = el("a", "", words.open);
      link.href = "/console/calls/" + call.id;
      header.append(el("b", "driver"), " ", el("span", "vehicle"), " ", el("span", "started muted"), " ", badge, " ",
        el("span", "tag ended-badge"), " ", link);
      card.append(header, el("ol", "transcript"));
      grid.insertBefore(card, grid.firstChild);
    }
    card.querySelector(".driver").textContent = call.driver || words.identifying;
    card.querySelector(".vehicle").textContent = call.vehicles.join("、");
    card.querySelector(".started").textContent = call.started;
    var handover = card.querySelector(".handover-badge");
    handover.hidden = !call.handed_over;
    handover.querySelector(".reason").textContent = call.transfer_reason ? "：" + reasonText(call) : "";
    card.classList.toggle("handover", call.handed_over && call.live);
    var ended = card.querySelector(".ended-badge");
    ended.hidden = call.live;
    ended.textContent = call.live ? "" : words.ended + "：" + label(labels.outcomes, call.outcome);
    card.classList.toggle("ended", !call.live);
    if (call.handed_over && call.live) { grid.insertBefore(card, grid.firstChild); }  // waiting for a dispatcher: first
    var none = document.getElementById("no-live");
    if (none) { none.hidden = grid.children.length > 0; }
  }

  // ----- one call's page ----------------------------------------------------------------------
  function facts(call) {
    var box = document.getElementById("call");
    if (!box || String(call.id) !== box.dataset.callId) { return; }
    box.querySelector(".driver").textContent = call.driver || (call.live ? words.identifying : words.none);
    box.querySelector(".vehicle").textContent = call.vehicles.join("、") || words.none;
    var outcome = box.querySelector(".outcome");
    var badge = outcome.querySelector(".handover-badge");
    outcome.querySelector(".tag").replaceWith(outcomeTag(call));
    badge.hidden = !(call.handed_over && call.live);
    box.classList.toggle("handover", call.handed_over && call.live);
    box.querySelector(".duration").textContent = duration(call.duration_s);
    box.querySelector(".reason").textContent = reasonText(call);
    followUpCell(box.querySelector(".follow"), call);
    box.querySelector(".summary").textContent = call.summary || words.none;
    box.querySelector(".sms").textContent = call.sms || words.none;
    if (!call.live) { setState(words.ended); source.close(); }
  }

  function addLine(line) {
    var key = String(line.id);
    if (shown.has(key)) { return; }
    var list = onePage ? document.getElementById("transcript")
      : document.querySelector("#live-" + line.call_id + " .transcript");
    if (!list) { return; }  // a finished call's line from before the page: its record has it
    shown.add(key);
    var item = lineItem(line);
    var after = Array.prototype.find.call(list.children, function (li) { return Number(li.dataset.eventId) > line.id; });
    list.insertBefore(item, after || null);
    var none = document.getElementById("no-lines");
    if (none) { none.hidden = true; }
    if (onePage) { item.scrollIntoView({block: "nearest"}); } else { list.scrollTop = list.scrollHeight; }
  }

  var source = new EventSource(root.dataset.stream);
  source.addEventListener("open", function () { setState(words.connected); });
  source.addEventListener("error", function () { if (source.readyState !== EventSource.CLOSED) { setState(words.reconnecting); } });
  source.addEventListener("calls", function (message) {
    var update = JSON.parse(message.data);
    update.calls.forEach(function (call) {
      if (onePage) { facts(call); } else { tableRow(call); liveCard(call); }
    });
    update.lines.forEach(addLine);
  });
}());
