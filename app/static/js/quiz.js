// The quiz attempt on top of its plain form: a navigator that follows what is answered and
// flagged, a countdown by the server's clock that warns at five and at one minute, and a draft
// saved to the server as answers change and whenever time runs short. Without JavaScript the
// form still saves, reviews and submits; the server is the judge of time either way.
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  var clock = document.querySelector(".countdown");
  var finish = document.querySelector("form[action$='/finish']");
  var WARNINGS = [
    [300, "5 minutes left. Your answers so far are saved."],
    [60, "1 minute left. Your answers so far are saved; when time is up they are submitted."]
  ];

  function questionAnswered(fieldset) {
    var chosen = fieldset.querySelectorAll("input[name^='q-']:checked").length;
    var placed = Array.prototype.some.call(fieldset.querySelectorAll("select"), function (s) {
      return s.value !== "";
    });
    return chosen > 0 || placed;
  }

  function refreshNavigator() {
    var answered = 0;
    form.querySelectorAll("fieldset.question").forEach(function (fieldset) {
      var id = fieldset.getAttribute("data-question");
      var link = document.querySelector(".navigator-link[data-question='" + id + "']");
      var done = questionAnswered(fieldset);
      var flagged = fieldset.querySelector("input[name='flag']").checked;
      if (done) { answered += 1; }
      link.classList.toggle("is-answered", done);
      link.classList.toggle("is-unanswered", !done);
      link.classList.toggle("is-flagged", flagged);
      link.querySelector(".navigator-state").textContent = done ? "answered" : "not answered";
      link.querySelector(".navigator-flag").hidden = !flagged;
    });
    document.querySelector(".answered-number").textContent = String(answered);
  }

  function say(text) {
    var status = document.querySelector(".autosave-status");
    if (status) { status.textContent = text; }
  }

  function autosave() {
    if (!form) { return Promise.resolve(); }
    var body = new FormData(form);
    return fetch(form.getAttribute("data-autosave"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": body.get("csrf_token"), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.ok && data.saved) {
          say("Answers saved at " + new Date().toLocaleTimeString() + ".");
        } else {
          say(data.message || "Your latest answers could not be saved: use Save and finish later.");
        }
      });
    }).catch(function () {
      say("Your latest answers could not be saved: check the connection, then use Save and finish later.");
    });
  }

  var pending = null;
  function answerChanged() {
    refreshNavigator();
    window.clearTimeout(pending);
    pending = window.setTimeout(autosave, 800);
  }

  function format(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function timeUp() {
    if (form) {
      autosave().then(function () {
        var review = form.querySelector("button[value='review']");
        form.requestSubmit(review);
      });
    } else if (finish) {
      finish.requestSubmit();
    }
  }

  function warn(text) {
    document.querySelector(".countdown-warning").textContent = text;
    if (form) { autosave(); }
  }

  function startClock() {
    var ends = Date.now() + parseInt(clock.getAttribute("data-seconds-left"), 10) * 1000;
    var value = clock.querySelector(".countdown-value");
    var given = -1; // the index of the last warning given: each is given once, in order
    var timer = null;
    clock.hidden = false;
    function tick() {
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      var due = -1;
      WARNINGS.forEach(function (w, index) { if (left <= w[0]) { due = index; } });
      value.textContent = format(left);
      if (due > given && left > 0) { given = due; warn(WARNINGS[due][1]); }
      if (left === 0) { window.clearInterval(timer); timeUp(); }
    }
    timer = window.setInterval(tick, 1000);
    tick();
  }

  if (form) {
    form.addEventListener("change", answerChanged);
    refreshNavigator();
  }
  if (clock) { startClock(); }
})();
