// Small page behaviours, here rather than in inline handlers (onchange=, onclick=),
// which the Content-Security-Policy does not run.
(function () {
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-submit-on-change]");
    if (field && field.form) field.form.submit();
  });
  document.addEventListener("click", function (event) {
    var field = event.target.closest("[data-select-on-click]");
    if (field && field.select) field.select();
  });
})();
