// 상용구 page: the live preview of a template while it is typed (the same filling as the
// server's "미리 보기": the chosen department, its phone, the officer's name, a sample
// case number). No inline scripts (CSP).
(function () {
  "use strict";
  var box = document.getElementById("template-preview");
  var body = document.getElementById("template-body");
  var dept = document.getElementById("preview-department");
  if (!box || !body || !dept) { return; }
  var data = JSON.parse(box.getAttribute("data-preview"));
  var text = document.getElementById("preview-text");
  var note = document.getElementById("preview-missing");
  var pattern = /\{([^{}\s]{1,20})\}/g;

  function values() {
    var d = dept.value;
    var phone = d && Object.prototype.hasOwnProperty.call(data.phones, d) ? data.phones[d] : data.office_phone;
    return { "부서명": d, "전화번호": phone, "담당자": data.handler, "접수번호": data.case };
  }

  function names(list) {
    return list.map(function (n) { return "{" + n + "}"; }).join(", ");
  }

  function update() {
    var v = values();
    var missing = [];
    var unknown = [];
    text.textContent = body.value.replace(pattern, function (whole, name) {
      if (data.known.indexOf(name) < 0) {
        if (unknown.indexOf(name) < 0) { unknown.push(name); }
        return whole;
      }
      if (!v[name]) {
        if (missing.indexOf(name) < 0) { missing.push(name); }
        return whole;
      }
      return v[name];
    });
    if (unknown.length) {
      note.textContent = "알 수 없는 자리표시자 " + names(unknown) + " (쓸 수 있는 것: " + names(data.known) + ")";
    } else if (missing.length) {
      note.textContent = "값이 없는 자리표시자: " + names(missing) + " (답변할 때 이 값이 없으면 상용구를 쓸 수 없습니다)";
    }
    note.hidden = !(unknown.length || missing.length);
  }

  body.addEventListener("input", update);
  dept.addEventListener("change", update);
  var scope = document.getElementById("template-department");
  if (scope) {
    scope.addEventListener("change", function () {
      if (scope.value) { dept.value = scope.value; }
      update();
    });
  }
  update();
}());
