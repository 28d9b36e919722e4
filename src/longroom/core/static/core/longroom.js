// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // Copy buttons: data-copy="<id of element whose text to copy>".
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (source && navigator.clipboard) navigator.clipboard.writeText(source.textContent.trim());
      });
    });

    // Print buttons: the browser's own print, with the print style sheet hiding the page furniture.
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });

    var view = document.getElementById("page-view");
    if (!view) return;
    var zoom = 1;
    function applyZoom() {
      view.style.width = zoom === 1 ? "100%" : (zoom * 100) + "%";
      view.style.maxWidth = "none";
    }
    applyZoom();
    document.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var what = button.getAttribute("data-zoom");
        zoom = what === "in" ? Math.min(zoom * 1.25, 4) : what === "out" ? Math.max(zoom / 1.25, 0.5) : 1;
        applyZoom();
      });
    });

    var form = document.getElementById("stamp-form");
    var marker = document.getElementById("stamp-marker");
    var originalSrc = view.getAttribute("src");
    var currentPage = 1;
    var currentDocument = null;

    // Thumbnails switch the large page.
    document.querySelectorAll("#thumbs a").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        document.querySelectorAll("#thumbs a").forEach(function (other) { other.removeAttribute("aria-current"); });
        link.setAttribute("aria-current", "true");
        originalSrc = link.getAttribute("data-page-src");
        view.src = originalSrc;
        view.alt = link.querySelector("img").alt;
        currentPage = parseInt(link.getAttribute("data-page"), 10);
        currentDocument = link.getAttribute("data-document");
        if (form) {
          form.querySelector("[name=pages]").value = String(currentPage);
          var select = form.querySelector("[name=document]");
          if (select && currentDocument) select.value = currentDocument;
        }
        if (marker) marker.hidden = true;
      });
    });

    if (!form) return;
    var status = document.getElementById("position-status");
    // A click on the page puts the stamp's top-left corner there.
    view.addEventListener("click", function (event) {
      var box = view.getBoundingClientRect();
      var x = Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1);
      var y = Math.min(Math.max((event.clientY - box.top) / box.height, 0), 1);
      form.querySelector("[name=x]").value = x.toFixed(4);
      form.querySelector("[name=y]").value = y.toFixed(4);
      marker.hidden = false;
      marker.style.left = (event.clientX - box.left + view.offsetLeft) + "px";
      marker.style.top = (event.clientY - box.top + view.offsetTop) + "px";
      if (status) {
        status.textContent = (status.getAttribute("data-chosen") || "[x], [y]")
          .replace("[x]", String(Math.round(x * 100))).replace("[y]", String(Math.round(y * 100)));
      }
    });

    document.getElementById("stamp-preview-button").addEventListener("click", function () {
      var params = new URLSearchParams({
        stamp: form.querySelector("[name=stamp]").value,
        document: form.querySelector("[name=document]").value,
        page: (form.querySelector("[name=pages]").value.match(/\d+/) || ["1"])[0],
        x: form.querySelector("[name=x]").value,
        y: form.querySelector("[name=y]").value
      });
      view.src = form.getAttribute("data-preview-url") + "?" + params.toString();
      if (marker) marker.hidden = true;
    });
  });
})();
