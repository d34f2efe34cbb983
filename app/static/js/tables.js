// A table wider than the screen scrolls inside its own box, never the whole page (a phone in
// an LMS frame is 390px wide). The box is a named region people can focus and scroll with the
// keyboard. Tables that fit, or that a template already placed in a scrolling box, are left.
(function () {
  "use strict";
  function scrolls(element) {
    var overflow = getComputedStyle(element).overflowX;
    return overflow === "auto" || overflow === "scroll";
  }
  document.querySelectorAll("main table").forEach(function (table, index) {
    var parent = table.parentElement;
    var style = getComputedStyle(parent);  // the room inside its padding, where the table sits
    var room = parent.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (scrolls(parent) || table.offsetWidth <= room) { return; }
    var box = document.createElement("div");
    var caption = table.querySelector("caption");
    box.className = "table-scroll";
    box.setAttribute("role", "region");
    box.setAttribute("tabindex", "0");
    if (caption) {
      caption.id = caption.id || "table-caption-" + index;
      box.setAttribute("aria-labelledby", caption.id);
    } else {
      box.setAttribute("aria-label", "Table " + (index + 1) + " (scrolls sideways)");
    }
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
  });
})();
