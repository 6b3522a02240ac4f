// SNS 소통 검토함: keyboard shortcuts and bulk selection. No inline scripts (CSP).
(function () {
  "use strict";
  var page = document.body.getAttribute("data-page");

  function typing(event) {
    var t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  function focusEl(id) {
    var el = document.getElementById(id);
    if (el) { el.focus(); return true; }
    return false;
  }

  function chooseKind(value) {
    var kind = document.getElementById("bulk-kind");
    if (kind && kind.querySelector("option[value=" + value + "]")) {
      kind.value = value;
      kind.dispatchEvent(new Event("change"));
    }
  }

  function inbox() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr.row"));
    var current = -1;
    function select(i) {
      if (!rows.length) { return; }
      current = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, n) { r.classList.toggle("selected", n === current); });
      rows[current].scrollIntoView({ block: "nearest" });
      var link = rows[current].querySelector("a.open");
      if (link) { link.focus({ preventScroll: true }); }
    }
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = all.checked; });
      });
    }
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) { return; }
      var key = event.key;
      if (key === "j") { select(current + 1); }
      else if (key === "k") { select(current - 1); }
      else if ((key === "o" || key === "Enter") && current >= 0) { window.location = rows[current].getAttribute("data-href"); }
      else if (key === "x" && current >= 0) {
        var box = rows[current].querySelector("input[name=ids]");
        if (box) { box.checked = !box.checked; }
      }
      else if (key === "/") { focusEl("search"); }
      else if (key === "s") { chooseKind("status"); focusEl("bulk-status"); }
      else if (key === "a") { chooseKind("assign_department"); focusEl("bulk-department"); }
      else if (key === "n") { var next = document.getElementById("next-page"); if (next) { window.location = next.href; } else { return; } }
      else { return; }
      event.preventDefault();
    });
  }

  function thread() {
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) { return; }
      var key = event.key;
      if (key === "u") { var back = document.getElementById("back"); window.location = back ? back.href : "/inbox"; }
      else if (key === "s") { focusEl("status-select"); }
      else if (key === "a") { if (!focusEl("assign-select")) { focusEl("handler-select"); } }
      else if (key === "c") { var claim = document.getElementById("claim"); if (claim) { claim.click(); } }
      else { return; }
      event.preventDefault();
    });
  }

  // Review forms show only the fields the chosen action and status need: elements
  // marked data-kinds="a|b" follow the form's `kind` select, data-statuses="x|y" its
  // `status` select. Hidden fields are disabled (not sent) and shown ones required.
  function listed(el, name, value) {
    return el.getAttribute(name).split("|").indexOf(value) >= 0;
  }

  function switchFields(form) {
    var kind = form.querySelector("select[name=kind]");
    var status = form.querySelector("select[name=status]");
    function show(el, visible) {
      el.hidden = !visible;
      var controls = el.matches("select, input, optgroup") ? [el] : Array.prototype.slice.call(el.querySelectorAll("select, input"));
      controls.forEach(function (c) {
        c.disabled = !visible;
        if (c.tagName !== "OPTGROUP" && c.getAttribute("data-optional") === null) { c.required = visible; }
      });
    }
    function update() {
      form.querySelectorAll("[data-kinds]").forEach(function (el) {
        show(el, !kind || listed(el, "data-kinds", kind.value));
      });
      var statusOn = status && !status.disabled;
      form.querySelectorAll("[data-statuses]").forEach(function (el) {
        show(el, statusOn && listed(el, "data-statuses", status.value));
      });
      form.querySelectorAll("select[name=reason]").forEach(function (select) {
        var chosen = select.options[select.selectedIndex];
        if (chosen && chosen.parentNode.tagName === "OPTGROUP" && chosen.parentNode.disabled) { select.value = ""; }
      });
    }
    if (kind) { kind.addEventListener("change", update); }
    if (status) { status.addEventListener("change", update); }
    update();
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("[data-kinds], [data-statuses]")) { switchFields(form); }
  });

  if (page === "inbox") { inbox(); }
  if (page === "thread") { thread(); }
})();
