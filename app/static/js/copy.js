// Copy buttons (the LMS setup values, a certificate's link): shown only where the clipboard is
// available, so without JavaScript the value remains plain, selectable text or a read-only
// field. Inside an LMS frame the browser may refuse the clipboard; the value is then selected
// so the keyboard shortcut copies it. The outcome is announced in the page's .copy-status
// region, in the button's data-copied words when it has them.
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  var status = document.querySelector(".copy-status");
  function say(text) { if (status) { status.textContent = text; } }
  function select(target) {
    if (typeof target.select === "function") { target.focus(); target.select(); return; }
    var range = document.createRange();
    range.selectNodeContents(target);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
  }
  document.querySelectorAll(".copy-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      var label = button.getAttribute("aria-label").replace("Copy ", "");
      var text = typeof target.value === "string" ? target.value : target.textContent;
      say("");
      navigator.clipboard.writeText(text).then(function () {
        say(button.getAttribute("data-copied") || "Copied: " + label);
      }, function () {
        select(target);
        say(label.charAt(0).toUpperCase() + label.slice(1) + " is selected: press Ctrl+C (or Cmd+C) to copy it.");
      });
    });
  });
})();
