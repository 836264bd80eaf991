// Member rows of the household form: "添加成员" clones the formset's empty form (a <template>), "删除此行"
// removes a row; the rows are renumbered and TOTAL_FORMS kept equal to the rows on the page, so Django's
// formset reads exactly what is shown. No inline script (the content security policy forbids it).
(function () {
  "use strict";
  var box = document.getElementById("member-rows");
  if (!box) { return; }
  var prefix = box.getAttribute("data-prefix");
  var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  var max = parseInt(document.getElementById("id_" + prefix + "-MAX_NUM_FORMS").value, 10);
  var template = document.getElementById("member-row-template");
  var addButton = document.getElementById("add-member");
  var pattern = new RegExp(prefix + "-(\\d+|__prefix__)-", "g");

  function renumber() {
    var rows = box.querySelectorAll(".member-row");
    rows.forEach(function (row, i) {
      row.querySelectorAll("[name],[id],[for],[aria-describedby]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) { el.setAttribute(attr, v.replace(pattern, prefix + "-" + i + "-")); }
        });
      });
      var legend = row.querySelector(".member-row-title");
      if (legend) { legend.textContent = legend.getAttribute("data-label").replace("N", String(i + 1)); }
      var remove = row.querySelector(".remove-member");
      if (remove) { remove.hidden = i === 0; }
    });
    total.value = String(rows.length);
    addButton.disabled = rows.length >= max;
  }

  addButton.addEventListener("click", function () {
    var html = template.innerHTML.replace(/__prefix__/g, String(box.querySelectorAll(".member-row").length));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    box.appendChild(row);
    renumber();
    var first = row.querySelector("input,select");
    if (first) { first.focus(); }
  });

  box.addEventListener("click", function (event) {
    var button = event.target.closest(".remove-member");
    if (!button) { return; }
    var row = button.closest(".member-row");
    row.parentNode.removeChild(row);
    renumber();
    addButton.focus();
  });

  renumber();
})();
