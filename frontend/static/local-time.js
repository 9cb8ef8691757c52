// Times in the viewer's own zone: each <time data-viewer-zone="LABEL"> that the server wrote in
// the competition's zone gets, after it, "LABEL <the same moment in this device's zone>".
// Without JavaScript the page still shows the competition's zone and UTC.
(function () {
  "use strict";
  if (!window.Intl) return;
  var lang = (document.documentElement.lang || "en") + "-CA";
  document.querySelectorAll("time[data-viewer-zone]").forEach(function (time) {
    var moment = new Date(time.getAttribute("datetime"));
    if (isNaN(moment.getTime())) return;
    var shown = moment.toLocaleString(lang, {
      year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23", timeZoneName: "short"
    });
    var note = document.createElement("span");
    note.className = "viewer-zone";
    note.textContent = " " + time.dataset.viewerZone + " " + shown;
    time.insertAdjacentElement("afterend", note);
  });
}());
