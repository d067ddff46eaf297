// Certportal's only script: small conveniences. Every page works without it.
"use strict";
document.addEventListener("click", function (ev) {
  var btn = ev.target.closest("[data-copy]");
  if (!btn) return;
  var el = document.querySelector(btn.getAttribute("data-copy"));
  if (!el || !navigator.clipboard) return;
  navigator.clipboard.writeText(el.textContent.trim()).then(function () {
    var old = btn.textContent;
    btn.textContent = "Copied";
    setTimeout(function () { btn.textContent = old; }, 1500);
  });
});
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  var msg = form.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    ev.preventDefault();
    return;
  }
  // Long work (key generation, registry lookups, provider calls): say so, show an
  // indeterminate progress bar, and keep a second click from sending it twice.
  var busy = form.getAttribute("data-busy");
  if (!busy || form.getAttribute("aria-busy") === "true") {
    if (busy) ev.preventDefault();
    return;
  }
  form.setAttribute("aria-busy", "true");
  var note = document.createElement("p");
  note.className = "busy";
  note.setAttribute("role", "status");
  note.setAttribute("data-testid", "busy");
  note.appendChild(document.createTextNode(busy + " "));
  note.appendChild(document.createElement("progress"));
  form.appendChild(note);
  form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
    // Disabled after this tick, so the clicked button's name and value still go along.
    setTimeout(function () { b.disabled = true; }, 0);
  });
});
