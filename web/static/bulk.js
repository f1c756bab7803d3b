// Bulk selection: a "select all" box (hidden without JavaScript) checks or
// clears every box of its form named by data-select-all.
document.querySelectorAll("[data-select-all]").forEach(function (all) {
  var form = all.form;
  var name = all.getAttribute("data-select-all");
  var boxes = function () { return form.querySelectorAll('input[type="checkbox"][name="' + name + '"]'); };
  all.closest("[hidden]") && all.closest("[hidden]").removeAttribute("hidden");
  all.addEventListener("change", function () {
    boxes().forEach(function (b) { b.checked = all.checked; });
  });
  form.addEventListener("change", function (e) {
    if (e.target === all) { return; }
    var list = Array.prototype.slice.call(boxes());
    var n = list.filter(function (b) { return b.checked; }).length;
    all.checked = n === list.length;
    all.indeterminate = n > 0 && n < list.length;
  });
});
