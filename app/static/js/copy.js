// Copy buttons on the LMS setup values: shown only where the clipboard is available, so without
// JavaScript the values remain plain, selectable text. Inside an LMS frame the browser may refuse
// the clipboard; the value is then selected so the keyboard shortcut copies it.
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  var status = document.querySelector(".copy-status");
  function say(text) { if (status) { status.textContent = text; } }
  document.querySelectorAll(".copy-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      var label = button.getAttribute("aria-label").replace("Copy ", "");
      navigator.clipboard.writeText(target.textContent).then(function () {
        say("Copied: " + label);
      }, function () {
        var range = document.createRange();
        range.selectNodeContents(target);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
        say(label + " is selected: press Ctrl+C (or Cmd+C) to copy it.");
      });
    });
  });
})();
