// AMER front desk: ticking timers, live updates (server-sent events), notes autosave and
// one-click submit buttons. The pages work without it; this only makes them livelier.
(function () {
  "use strict";
  var en = document.body && document.body.dataset.lang === "en";
  function dur(sec) {
    sec = Math.max(0, Math.floor(sec));
    var h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
    if (h > 0) return en ? h + " h " + m + " min" : h + " jam " + m + " menit";
    if (m > 0) return en ? m + " min " + s + " s" : m + " menit " + s + " detik";
    return en ? s + " s" : s + " detik";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".timer[data-since]").forEach(function (el) {
      var since = parseInt(el.dataset.since, 10);
      if (since > 0) el.textContent = dur((now - since) / 1000);
    });
  }
  // A submit button marked data-once sends its form once (a double click is one request).
  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    if (f.dataset.sent === "1") { ev.preventDefault(); return; }
    var b = ev.submitter;
    if (b && b.hasAttribute("data-once")) {
      f.dataset.sent = "1";
      setTimeout(function () { f.dataset.sent = ""; }, 5000);
    }
  });
  // Live region: reloaded on every change of a record.
  var live = document.getElementById("live");
  var pending = null;
  function refresh() {
    if (!live) return;
    if (live.querySelector("select:focus, input:focus")) { pending = setTimeout(refresh, 1000); return; }
    fetch(live.dataset.liveUrl, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html !== null) { live.innerHTML = html; tick(); live.dispatchEvent(new CustomEvent("amer:refreshed")); }
    });
  }
  // Notes editor with autosave; the server merges with edits from other PCs.
  var notes = document.getElementById("notes");
  var base = document.getElementById("notes-base");
  var status = document.getElementById("notes-status");
  var dirty = false, saving = false, timer = null;
  function say(t) { if (status) status.textContent = t; }
  function save() {
    if (!notes || notes.readOnly || saving || !dirty) return;
    saving = true; dirty = false;
    var sent = notes.value;
    say(en ? "saving…" : "menyimpan…");
    var body = new URLSearchParams({ notes: sent, base: base.value });
    fetch(notes.dataset.saveUrl, { method: "POST", body: body, credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, j: j }; });
    }).then(function (res) {
      saving = false;
      if (!res.ok) { dirty = true; say((en ? "could not save: " : "gagal menyimpan: ") + (res.j.error || "")); return; }
      if (notes.value === sent) { notes.value = res.j.notes; base.value = res.j.notes; }
      else { base.value = sent; dirty = true; schedule(); }
      say(en ? "saved" : "tersimpan");
    }).catch(function () { saving = false; dirty = true; say(en ? "could not save" : "gagal menyimpan"); });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(save, 1000); }
  function pullNotes() {
    if (!notes || dirty || saving) return;
    fetch(notes.dataset.saveUrl, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) { if (j && !dirty && !saving && notes.value === base.value) { notes.value = j.notes; base.value = j.notes; } });
  }
  if (notes) {
    notes.addEventListener("input", function () { dirty = true; say(""); schedule(); });
    notes.addEventListener("blur", save);
    var ff = document.getElementById("finish-form");
    if (ff) ff.addEventListener("submit", function () { clearTimeout(timer); });
  }
  // Pages without a live region reload themselves, unless someone is typing in them.
  var mode = document.body.dataset.live || "";
  var typed = false;
  document.addEventListener("input", function () { typed = true; });
  function reloadPage() {
    var a = document.activeElement;
    var busy = typed || (a && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName));
    if (busy) { clearTimeout(pending); pending = setTimeout(reloadPage, 3000); return; }
    location.reload();
  }
  if (window.EventSource && (live || notes || mode)) {
    var es = new EventSource("/peristiwa");
    es.addEventListener("change", function () {
      if (live) { clearTimeout(pending); pending = setTimeout(refresh, 150); }
      if (notes) pullNotes();
      if (mode) { clearTimeout(pending); pending = setTimeout(reloadPage, 400); }
    });
    es.addEventListener("sync", function () {
      if (mode === "sync") { clearTimeout(pending); pending = setTimeout(reloadPage, 400); }
    });
  }
  tick();
  setInterval(tick, 1000);
})();
