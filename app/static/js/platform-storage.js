// The tool's side of 1EdTech's platform storage ("LTI OIDC Login with LTI Client Side
// postMessages"): keep the sign-in's state and nonce in the LMS's window, read them back at the
// launch, and carry the verified launch into a session (see app/lti/platform_storage.py).
(function () {
  "use strict";
  var box = document.getElementById("platform-storage");
  if (!box) { return; }
  var ANSWER_WAIT_MS = 5000; // an LMS page that has not answered by now never will
  var origin = box.getAttribute("data-platform-origin");
  var target = box.getAttribute("data-target");

  function messageId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // The LMS's storage frame: a named frame of the window that framed (or opened) this page.
  function storageFrame() {
    var owner = window.parent !== window ? window.parent : window.opener;
    if (!owner) { return null; }
    if (target === "_parent") { return owner; }
    try { return owner.frames[target] || null; } catch (error) { return null; }
  }

  // Send one message to the LMS and wait for its answer: same subject plus ".response", same
  // message_id, from the LMS's own origin. An error object or no answer rejects.
  function ask(message) {
    return new Promise(function (resolve, reject) {
      var frame = storageFrame();
      if (!frame) { reject(new Error("no storage frame " + target)); return; }
      message.message_id = messageId();
      var timer;
      function answer(event) {
        var reply = event.data;
        if (event.origin !== origin || !reply || typeof reply !== "object" ||
            reply.subject !== message.subject + ".response" ||
            reply.message_id !== message.message_id) { return; }
        window.removeEventListener("message", answer);
        window.clearTimeout(timer);
        if (reply.error) {
          reject(new Error(reply.error.code + ": " + reply.error.message));
        } else if (reply.key !== message.key) {
          reject(new Error("answer for another key"));
        } else {
          resolve(reply);
        }
      }
      timer = window.setTimeout(function () {
        window.removeEventListener("message", answer);
        reject(new Error("the LMS page did not answer"));
      }, ANSWER_WAIT_MS);
      window.addEventListener("message", answer);
      frame.postMessage(message, origin);
    });
  }

  function put(keyName, valueName) {
    return ask({
      subject: "lti.put_data",
      key: box.getAttribute(keyName),
      value: box.getAttribute(valueName)
    });
  }

  function get(keyName) {
    return ask({ subject: "lti.get_data", key: box.getAttribute(keyName) }).then(function (reply) {
      return typeof reply.value === "string" ? reply.value : "";
    });
  }

  function login() {
    var page = document.getElementById("cookie-check");
    Promise.all([put("data-state-key", "data-state"), put("data-nonce-key", "data-nonce")])
      .then(function () { window.location.replace(page.getAttribute("data-authorise-url")); })
      .catch(function () { window.imrCookieCheck(); });
  }

  function launch() {
    var form = document.getElementById("platform-storage-form");
    Promise.all([get("data-state-key"), get("data-nonce-key")])
      .then(function (values) {
        form.elements.stored_state.value = values[0];
        form.elements.stored_nonce.value = values[1];
      })
      .catch(function () { return null; }) // the server names what was missing
      .then(function () { form.submit(); });
  }

  // A partitioned cookie kept here means the session cookie will be kept too.
  function partitionedCookieKept() {
    var name = "imr_partition_check";
    var attributes = "; path=/; Secure; SameSite=None; Partitioned";
    document.cookie = name + "=1" + attributes;
    var kept = document.cookie.indexOf(name + "=1") !== -1;
    document.cookie = name + "=; max-age=0" + attributes;
    return kept;
  }

  function session() {
    if (partitionedCookieKept()) {
      document.getElementById("platform-storage-form").submit();
      return;
    }
    document.getElementById("platform-storage-status").textContent =
      "Your browser does not allow IMR Academy to keep you signed in inside this page.";
    document.getElementById("platform-storage-blocked").hidden = false;
  }

  var modes = { put: login, get: launch, session: session };
  modes[box.getAttribute("data-mode")]();
})();
