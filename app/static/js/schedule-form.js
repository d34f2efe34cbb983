// The schedule form asks for one ending: a number of sessions or a last date. Show only the
// field of the ending chosen; without script both stay visible and the server says which one
// it needs.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-schedule-ends]"), function (set) {
    var radios = set.querySelectorAll('input[type="radio"]');
    function show() {
      var chosen = set.querySelector('input[type="radio"]:checked');
      Array.prototype.forEach.call(set.querySelectorAll("[data-ends-when]"), function (part) {
        part.hidden = !chosen || part.getAttribute("data-ends-when") !== chosen.value;
      });
    }
    Array.prototype.forEach.call(radios, function (radio) { radio.addEventListener("change", show); });
    show();
  });
})();
