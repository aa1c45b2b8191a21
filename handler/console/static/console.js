// The console's only script: live refresh of the triage queue, keyboard moves in lists, the
// statistics charts and the select-all box of the duty review. No inline scripts (the CSP
// allows only this origin's files).
(function () {
  "use strict";

  function ready(fn) {
    // Deferred scripts (echarts on the statistics page) have all run by DOMContentLoaded.
    if (document.readyState === "complete") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  // Live updates: any dashboard event is a cue to reload the queue through htmx.
  function liveQueue() {
    var rows = document.getElementById("triage-rows");
    if (!rows || !window.EventSource) return;
    var es = new EventSource("/console/events");
    var refresh = function () { htmx.trigger(rows, "refresh"); };
    ["opinion_created", "opinion_updated", "opinion_overdue"].forEach(function (t) { es.addEventListener(t, refresh); });
    document.body.dataset.live = "connecting";
    es.addEventListener("open", function () { document.body.dataset.live = "open"; });
  }

  // j / k move between the rows of a list, Enter opens (a link), r reloads the queue.
  function keyboard() {
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) return;
      var links = Array.prototype.slice.call(document.querySelectorAll("table.list a.row-link"));
      var i = links.indexOf(document.activeElement);
      if (e.key === "j" && links.length) { links[Math.min(i + 1, links.length - 1)].focus(); e.preventDefault(); }
      if (e.key === "k" && links.length) { links[Math.max(i - 1, 0)].focus(); e.preventDefault(); }
      if (e.key === "r") {
        var rows = document.getElementById("triage-rows");
        if (rows) { htmx.trigger(rows, "refresh"); e.preventDefault(); }
      }
    });
  }

  function percentAxis() {
    return { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
  }

  // Charts: each container carries its figures as JSON in data-chart.
  function charts() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var d = JSON.parse(el.getAttribute("data-chart"));
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
        legend: { top: 0 },
        grid: { left: 48, right: 16, top: 36, bottom: 28 },
        xAxis: { type: "category", data: d.labels },
        yAxis: percentAxis(),
        series: d.series.map(function (s) {
          return { name: s.name, type: d.type || "line", data: s.data };
        })
      });
      el.dataset.rendered = "true";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  // Delegated, so it keeps working after htmx swaps the queue.
  function selectAll() {
    document.addEventListener("change", function (e) {
      var box = e.target;
      if (!box.matches || !box.matches("input[data-select-all]")) return;
      box.closest("form").querySelectorAll("input[name=ids]").forEach(function (c) { c.checked = box.checked; });
    });
  }

  ready(function () { liveQueue(); keyboard(); charts(); selectAll(); });
})();
