// The catalog editor's behaviour in the browser. Served as a file because the pages'
// Content-Security-Policy allows no inline script.
//
// * The search box narrows the fields a criterion can be added on, and keeps its text
//   when htmx re-renders the editor.
// * Stale answers are not shown: htmx re-renders the editor (and counts) after each
//   change, and an answer computed from the form as it was before a later change would
//   overwrite what the user has since chosen. Each change bumps a generation; an answer
//   to a request sent at an older generation is not swapped in (the request htmx queued
//   for the later change brings the current state).
(function () {
  "use strict";
  let query = "";
  let generation = 0;

  function inEditor(target) {
    return target instanceof Element && target.closest("#catalog-form") !== null;
  }

  function filter() {
    const box = document.getElementById("field-search");
    if (!box) return;
    if (box.value !== query) box.value = query;
    const words = query.trim().toLowerCase();
    document.querySelectorAll(".picker-group").forEach(function (group) {
      let shown = 0;
      group.querySelectorAll(".field-choice").forEach(function (choice) {
        const hit = !words || (choice.dataset.search || "").includes(words);
        choice.hidden = !hit;
        if (hit) shown += 1;
      });
      group.hidden = shown === 0;
    });
  }

  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "field-search") {
      query = event.target.value;
      filter();
    }
  });
  // Capture phase: these run before htmx sees the event on the form.
  document.addEventListener(
    "change",
    function (event) {
      if (event.target && event.target.id === "field-search") {
        // typing a search changes nothing in the catalog: no re-render
        event.stopPropagation();
      } else if (inEditor(event.target)) {
        generation += 1;
      }
    },
    true
  );
  document.addEventListener(
    "click",
    function (event) {
      const button = event.target instanceof Element ? event.target.closest("button") : null;
      if (button && inEditor(button) && (button.name === "add" || button.name === "remove")) {
        generation += 1;
      }
    },
    true
  );
  document.addEventListener("keydown", function (event) {
    if (event.target && event.target.id === "field-search" && event.key === "Enter") {
      event.preventDefault(); // Enter would submit (save) the form
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    event.detail.xhr.pimsyncGeneration = generation;
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    const sent = event.detail.xhr.pimsyncGeneration;
    if (sent !== undefined && sent !== generation) event.detail.shouldSwap = false;
  });
  document.addEventListener("htmx:afterSettle", filter);
  document.addEventListener("DOMContentLoaded", filter);
})();
