// The demo LMS honours lti.frameResize as Canvas does: the course frame grows to the tool's page.
(function () {
  "use strict";
  var frame = document.querySelector("iframe[name=tool-frame]");
  if (!frame) { return; }
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.source !== frame.contentWindow || data.subject !== "lti.frameResize") { return; }
    var height = Number(data.height);
    if (height > 0) { frame.style.height = height + "px"; }
  });
})();
