/* Prescription form: searchable course pickers (progressive enhancement).
 * Without JavaScript the pickers are plain multi-selects. With it, a search box suggests
 * courses (htmx fills its datalist from the search endpoint); picking one selects it, and
 * the chosen courses are listed with a "Remove" button each. */
(function () {
  "use strict";

  function renderChosen(picker, select) {
    var list = picker.querySelector(".picker-chosen");
    if (!list) {
      list = document.createElement("ul");
      list.className = "picker-chosen";
      list.setAttribute("aria-label", "Chosen courses");
      select.insertAdjacentElement("afterend", list);
    }
    list.textContent = "";
    Array.prototype.forEach.call(select.selectedOptions, function (option) {
      var item = document.createElement("li");
      var text = document.createElement("span");
      text.textContent = option.textContent;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button button-small button-quiet";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", "Remove " + option.textContent);
      remove.addEventListener("click", function () {
        option.selected = false;
        renderChosen(picker, select);
        announce(picker, "Removed: " + option.textContent);
      });
      item.appendChild(text);
      item.appendChild(remove);
      list.appendChild(item);
    });
    list.hidden = select.selectedOptions.length === 0;
  }

  function announce(picker, message) {
    var status = picker.querySelector(".picker-status");
    if (status) status.textContent = message;
  }

  function setup(root) {
    root.querySelectorAll(".course-picker").forEach(function (picker) {
      if (picker.dataset.ready) return;
      picker.dataset.ready = "1";
      var search = picker.querySelector(".picker-search");
      var input = picker.querySelector("input[type=search]");
      var datalist = picker.querySelector("datalist");
      var select = picker.querySelector("select");
      if (!search || !input || !datalist || !select) return;
      search.hidden = false;
      input.addEventListener("input", function () {
        var match = Array.prototype.find.call(datalist.options, function (o) {
          return o.value === input.value;
        });
        if (!match) return;
        var option = select.querySelector('option[value="' + match.dataset.id + '"]');
        if (!option) {
          option = new Option(match.value, match.dataset.id);
          select.add(option);
        }
        option.selected = true;
        input.value = "";
        renderChosen(picker, select);
        announce(picker, "Added: " + match.value);
      });
      select.addEventListener("change", function () {
        renderChosen(picker, select);
      });
      renderChosen(picker, select);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setup(document);
    // After a failed submit, move focus to the error summary so it is read first.
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
  // The discipline partial also swaps the pickers out of band: set up the whole page.
  document.addEventListener("htmx:afterSettle", function () {
    setup(document);
  });
})();
