// The entry pages' enhancements; every form works without them.
// - A live word counter beside each field with a word limit, counting with the server's rule
//   (the form's data-word-pattern is rendered from app.submissions.validation.WORD).
// - File uploads sent with XMLHttpRequest to show their progress (the same form and route,
//   asking for JSON; the CSRF token travels in the form's own field).
// - A Print button on the receipt.
(function () {
  "use strict";

  function counterText(counter, count) {
    var limit = Number(counter.dataset.limit);
    var rules = new Intl.PluralRules(document.documentElement.lang || "en");
    var template = rules.select(count) === "one" ? counter.dataset.one : counter.dataset.other;
    var text = template.replace("{count}", String(count));
    return count > limit ? text + ": " + counter.dataset.over : text;
  }

  function setUpCounters(form) {
    var pattern = new RegExp(form.dataset.wordPattern, "gu");
    form.querySelectorAll("[data-counter]").forEach(function (field) {
      var counter = document.getElementById(field.dataset.counter);
      if (!counter) return;
      var update = function () {
        var count = (field.value.match(pattern) || []).length;
        var text = counterText(counter, count);
        if (counter.textContent !== text) counter.textContent = text;
        counter.classList.toggle("word-count--over", count > Number(counter.dataset.limit));
      };
      field.addEventListener("input", update);
      update();
    });
  }

  function setUpUpload(form) {
    var input = form.querySelector("input[type=file]");
    var box = form.querySelector(".upload-progress");
    var bar = form.querySelector("progress");
    var status = form.querySelector(".upload-status");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      if (!input.files || input.files.length === 0 || !window.FormData) return;
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (progress) {
        if (!progress.lengthComputable) return;
        var percent = Math.round((progress.loaded / progress.total) * 100);
        bar.value = percent;
        status.textContent = status.dataset.sending.replace("{percent}", String(percent));
      });
      request.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(request.responseText); } catch (ignored) { body = {}; }
        if (request.status >= 200 && request.status < 300 && body.location) {
          bar.value = 100;
          status.textContent = body.message;
          window.location.assign(body.location);
          return;
        }
        status.textContent = body.message || body.detail || status.dataset.failed;  // detail: problem+json
        status.classList.add("error-message");
        button.disabled = false;
      });
      request.addEventListener("error", function () {
        status.textContent = status.dataset.failed;
        status.classList.add("error-message");
        button.disabled = false;
      });
      status.classList.remove("error-message");
      bar.value = 0;
      box.hidden = false;
      button.disabled = true;
      request.send(new FormData(form));
    });
  }

  function setUpPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.closest(".print-action").hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  document.querySelectorAll("form[data-word-pattern]").forEach(setUpCounters);
  document.querySelectorAll("form.upload-form").forEach(setUpUpload);
  setUpPrint();
})();
