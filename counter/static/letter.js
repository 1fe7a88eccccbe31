// The letter page's "Print" button (a script file: the CSP allows no inline onclick).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
