// Names the header cells that Django's tabular inlines leave empty, for screen readers only
// (axe: empty-table-header; the admin's own CSS has the visually-hidden class): the first
// column (a saved row's name and hidden fields) and the delete column when the user may not
// delete.
document.querySelectorAll(".tabular thead th").forEach((th) => {
  if (th.textContent.trim() !== "") return;
  const label = document.createElement("span");
  label.className = "visually-hidden";
  label.textContent = th.classList.contains("original") ? "Saved row" : "Delete";
  th.append(label);
});
