// SNS 소통 검토함: the answer area of a thread (상용구 fill, live count and preview, copy).
// The count mirrors aggregator/answers/preview.py (the server checks the same rule).
// No inline scripts (CSP).
(function () {
  "use strict";
  var URL_WEIGHT = 23;
  var LIGHT = [[0x0000, 0x10FF], [0x2000, 0x200D], [0x2010, 0x201F], [0x2032, 0x2037]];
  var GENERIC_TLDS = ["com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "name",
    "pro", "asia", "app", "dev", "io", "xyz", "site", "online", "shop", "blog", "news", "kim",
    "seoul", "busan", "korea"];
  var URL_RE = /(?<![A-Za-z0-9@$#_.\-\/])(https?:\/\/)?((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+([A-Za-z]{2,}))(?::[0-9]{1,5})?(\/[A-Za-z0-9\-._~:\/?#\[\]@!$&'()*+,;=%|]*)?/g;
  var URL_END = /[^A-Za-z0-9=_#\/+\-]+$/;
  var TEXT_STYLE = [0x00A9, 0x00AE];
  var OTHER_PICTO = [0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D, 0x3297, 0x3299];

  function within(code, low, high) { return code >= low && code <= high; }

  function urlSpans(text) {
    // {utf16 start: utf16 end} of each URL X would link
    var spans = {};
    var match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(text)) !== null) {
      var scheme = match[1], host = match[2], tld = match[3], path = match[4];
      var twoLetter = tld.length === 2;
      if (!twoLetter && GENERIC_TLDS.indexOf(tld.toLowerCase()) < 0) { continue; }
      if (!scheme && !path && twoLetter && host.split(".").length === 2) { continue; }
      var end = match.index + match[0].length;
      if (path) {
        var trimmed = URL_END.exec(match[0]);
        if (trimmed) { end -= trimmed[0].length; }
      }
      spans[match.index] = end;
    }
    return spans;
  }

  function pictographic(code) {
    return within(code, 0x1F000, 0x1FAFF) || within(code, 0x2190, 0x2BFF) ||
      TEXT_STYLE.indexOf(code) >= 0 || OTHER_PICTO.indexOf(code) >= 0;
  }

  function elementEnd(codes, start) {
    if (start >= codes.length || !pictographic(codes[start])) { return start; }
    var end = start + 1;
    if (codes[end] === 0xFE0E || codes[end] === 0xFE0F) { end += 1; }
    else if (TEXT_STYLE.indexOf(codes[start]) >= 0) { return start; }
    if (within(codes[end], 0x1F3FB, 0x1F3FF)) { end += 1; }
    while (within(codes[end], 0xE0020, 0xE007F)) { end += 1; }
    return end;
  }

  function emojiEnd(codes, start) {
    var first = codes[start];
    if (within(first, 0x1F1E6, 0x1F1FF)) {
      return start + (within(codes[start + 1], 0x1F1E6, 0x1F1FF) ? 2 : 1);
    }
    if ("0123456789#*".indexOf(String.fromCodePoint(first)) >= 0) {
      var end = start + 1 + (codes[start + 1] === 0xFE0F ? 1 : 0);
      return codes[end] === 0x20E3 ? end + 1 : start;
    }
    var stop = elementEnd(codes, start);
    while (stop > start && codes[stop] === 0x200D) {
      var after = elementEnd(codes, stop + 1);
      if (after === stop + 1) { break; }
      stop = after;
    }
    return stop;
  }

  function weight(code) {
    for (var i = 0; i < LIGHT.length; i += 1) {
      if (within(code, LIGHT[i][0], LIGHT[i][1])) { return 1; }
    }
    return 2;
  }

  function xWeightedLength(text) {
    text = text.normalize("NFC");
    var spans = urlSpans(text);
    var chars = Array.from(text);
    var codes = chars.map(function (c) { return c.codePointAt(0); });
    var offsets = [];
    var at = 0;
    chars.forEach(function (c) { offsets.push(at); at += c.length; });
    offsets.push(at);
    var total = 0, i = 0;
    while (i < codes.length) {
      var urlEnd = spans[offsets[i]];
      if (urlEnd !== undefined) {
        total += URL_WEIGHT;
        while (i < codes.length && offsets[i] < urlEnd) { i += 1; }
        continue;
      }
      var end = emojiEnd(codes, i);
      if (end > i) { total += 2; i = end; continue; }
      total += weight(codes[i]);
      i += 1;
    }
    return total;
  }

  // The platform's declared rule (connectors/spec.py AnswerRule) comes in the answer
  // box's data-*: data-measure (chars, bytes, x_weighted), data-mention, data-limit.
  function shown(mention, text, handle) {
    text = text.replace(/\r\n?/g, "\n").trim().normalize("NFC");
    return mention && handle ? "@" + handle + " " + text : text;
  }

  function measure(how, text) {
    if (how === "x_weighted") { return xWeightedLength(text); }
    if (how === "bytes") { return new TextEncoder().encode(text).length; }
    return Array.from(text).length;
  }

  function update(input) {
    var form = input.closest("form");
    var mention = input.getAttribute("data-mention") === "true";
    var limit = parseInt(input.getAttribute("data-limit"), 10);
    var unit = input.getAttribute("data-unit");
    var text = shown(mention, input.value, input.getAttribute("data-handle"));
    var count = measure(input.getAttribute("data-measure"), text);
    var over = !isNaN(limit) && count > limit;
    var preview = form.querySelector(".preview-text");
    var counter = form.querySelector(".answer-count");
    if (preview) { preview.textContent = text; }
    if (counter) {
      counter.setAttribute("data-count", String(count));
      counter.classList.toggle("over", over);
      counter.textContent = (isNaN(limit) ? count + "자 (플랫폼 제한 없음)" : count + " / " + limit + unit) +
        (over ? " · 너무 깁니다" : "");
    }
  }

  function copy(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    function done() { button.textContent = "복사했습니다"; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done, function () { source.select(); });
    } else {
      source.select();
      if (document.execCommand("copy")) { done(); }
    }
  }

  document.querySelectorAll("textarea.answer-input").forEach(function (input) {
    input.addEventListener("input", function () { update(input); });
    update(input);
  });
  document.querySelectorAll("a.use-template").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var input = document.getElementById("answer-text");
      if (!input) { return; }
      event.preventDefault();
      input.value = link.getAttribute("data-text");
      update(input);
      input.focus();
    });
  });
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () { copy(button); });
  });
})();
