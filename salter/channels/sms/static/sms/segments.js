/* The SMS reply box's counter: characters, messages and what is left in the last one,
   counted as the network counts them (salter/channels/sms/gsm.py): GSM-7 with its
   extension table (two septets each) when every character fits, else UCS-2. With
   data-plain-latin the text is counted as it will go out, in Latin without diacritics. */
(function () {
  "use strict";
  if (window.salterSmsCounter) { return; }  // the panel is swapped in again by htmx
  window.salterSmsCounter = true;
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "\f^{}\\[~]|€";
  var CYRILLIC = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "dj", "е": "e",
    "ж": "z", "з": "z", "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m",
    "н": "n", "њ": "nj", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "c",
    "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "c", "џ": "dz", "ш": "s",
    "č": "c", "ć": "c", "š": "s", "ž": "z", "đ": "dj"};

  function plainLatin(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var ch = text[i], lower = ch.toLowerCase(), mapped = CYRILLIC[lower];
      if (mapped === undefined) {
        if (BASIC.indexOf(ch) < 0 && EXTENDED.indexOf(ch) < 0 && ch.normalize) {
          var bare = ch.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
          if (bare && bare.length === 1 && BASIC.indexOf(bare) >= 0) { ch = bare; }
        }
        out += ch;
      } else if (ch !== lower) {
        out += mapped.charAt(0).toUpperCase() + mapped.slice(1);
      } else {
        out += mapped;
      }
    }
    return out;
  }

  function sizes(text) {
    var gsm = [], ucs = [], fits = true;
    for (var i = 0; i < text.length; i++) {
      var code = text.charCodeAt(i);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
        ucs.push(2); gsm.push(0); fits = false; i++; continue;
      }
      var ch = text[i];
      if (BASIC.indexOf(ch) >= 0) { gsm.push(1); }
      else if (EXTENDED.indexOf(ch) >= 0) { gsm.push(2); }
      else { fits = false; gsm.push(0); }
      ucs.push(1);
    }
    return fits ? {coding: "gsm7", units: gsm, single: 160, multi: 153}
                : {coding: "ucs2", units: ucs, single: 70, multi: 67};
  }

  function count(text) {
    var s = sizes(text), total = 0, i;
    for (i = 0; i < s.units.length; i++) { total += s.units[i]; }
    if (total <= s.single) {
      return {coding: s.coding, chars: total, parts: 1, left: s.single - total};
    }
    var parts = 1, used = 0;
    for (i = 0; i < s.units.length; i++) {
      if (used + s.units[i] > s.multi) { parts++; used = 0; }
      used += s.units[i];
    }
    return {coding: s.coding, chars: total, parts: parts, left: s.multi - used};
  }

  function update(box) {
    var counter = document.getElementById(box.getAttribute("data-sms-counter"));
    if (!counter) { return; }
    var text = box.value.trim();
    if (box.hasAttribute("data-plain-latin") && sizes(text).coding === "ucs2") {
      text = plainLatin(text);
    }
    var c = count(text);
    var template = counter.getAttribute(c.parts === 1 ? "data-one" : "data-many");
    counter.textContent = template.replace("{chars}", c.chars).replace("{parts}", c.parts)
      .replace("{left}", c.left).replace("{coding}", counter.getAttribute("data-" + c.coding));
    counter.setAttribute("data-parts", c.parts);
    counter.setAttribute("data-left", c.left);
    counter.setAttribute("data-coding", c.coding);
    var max = parseInt(counter.getAttribute("data-max-parts"), 10);
    counter.classList.toggle("text-danger", c.parts > max);
  }

  function all() {
    var boxes = document.querySelectorAll("[data-sms-counter]");
    for (var i = 0; i < boxes.length; i++) { update(boxes[i]); }
  }

  document.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-sms-counter")) {
      update(event.target);
    }
  });
  document.addEventListener("DOMContentLoaded", all);
  document.addEventListener("htmx:afterSwap", all);
  if (document.readyState !== "loading") { all(); }
})();
