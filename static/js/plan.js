/* Plan page: a "Copy the link" button for the calendar subscription link (progressive
 * enhancement: without JavaScript the read-only field can be selected and copied). */
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-from"));
    var status = button.closest(".field").querySelector(".copy-status");
    if (!field || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () {
          status.textContent = "Link copied.";
          button.textContent = "Copied";
        },
        function () {
          field.select();
          status.textContent = "Press Ctrl+C (or Cmd+C) to copy the selected link.";
        }
      );
    });
  });
})();
