// 월간 보고서 page: while a requested report is being made, ask the server every few
// seconds how far it is (GET /reports/jobs, JSON) and redraw the list; the download
// link appears when it is done. Without JavaScript the page's 새로 고침 link does the
// same. No inline scripts (CSP); text is set with textContent only.
(function () {
  "use strict";
  var section = document.getElementById("report-jobs");
  if (!section) { return; }
  var body = section.querySelector("tbody");
  var every = 2000;
  var failures = 0;

  function cell(label, content) {
    var td = document.createElement("td");
    td.setAttribute("data-label", label);
    if (typeof content === "string") { td.textContent = content; } else if (content) { td.appendChild(content); }
    return td;
  }

  function statusCell(job) {
    var td = cell("상태", job.label);
    td.className = "job-status";
    if (job.error) {
      td.appendChild(document.createElement("br"));
      var span = document.createElement("span");
      span.className = "error";
      span.textContent = job.error;
      td.appendChild(span);
    }
    return td;
  }

  function progressCell(job) {
    var td = cell("진행", null);
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = job.percent;
    bar.textContent = job.percent + "%";
    var text = document.createElement("span");
    text.className = "job-progress";
    text.textContent = job.progress;
    td.appendChild(bar);
    td.appendChild(document.createTextNode(" "));
    td.appendChild(text);
    return td;
  }

  function fileCell(job) {
    var td = cell("파일", null);
    if (job.done) {
      var link = document.createElement("a");
      link.className = "job-file";
      link.href = "/reports/file?job=" + encodeURIComponent(job.id);
      link.textContent = "내려받기";
      var until = document.createElement("small");
      until.textContent = job.expires + "까지";
      td.appendChild(link);
      td.appendChild(document.createTextNode(" "));
      td.appendChild(until);
    }
    return td;
  }

  function row(job) {
    var tr = document.createElement("tr");
    tr.id = "job-" + job.id;
    tr.setAttribute("data-job", String(job.id));
    tr.appendChild(cell("요청 시각", job.requested));
    tr.appendChild(cell("월", job.month));
    tr.appendChild(cell("형식", job.format));
    tr.appendChild(cell("작성자", job.names));
    tr.appendChild(statusCell(job));
    tr.appendChild(progressCell(job));
    tr.appendChild(fileCell(job));
    return tr;
  }

  function draw(data) {
    if (!data.jobs.length) { return; }
    while (body.firstChild) { body.removeChild(body.firstChild); }
    data.jobs.forEach(function (job) { body.appendChild(row(job)); });
    section.setAttribute("data-active", data.active ? "yes" : "no");
  }

  function poll() {
    fetch(section.getAttribute("data-poll"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        draw(data);
        if (data.active) { window.setTimeout(poll, every); }
      })
      .catch(function () {
        // signed out or the server away: try a few times, then leave it to 새로 고침
        failures += 1;
        if (failures < 5) { window.setTimeout(poll, every * 5); }
      });
  }

  if (section.getAttribute("data-active") === "yes") { window.setTimeout(poll, every); }
}());
