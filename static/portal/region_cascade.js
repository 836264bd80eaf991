// Cascading region pickers (省 → 市 → 区县 → 街道 → 社区) from the portal's own JSON endpoint of child
// regions within the user's scope. Markup:
//   <div class="region-cascade" data-url="/regions/children/" data-input="region" data-root="610100"
//        [data-root-input="id_region"]>
//   with a hidden <input id="region" name="region" value="..."> holding the deepest code chosen.
// With data-root-input the cascade starts below the code chosen in that select (the household form:
// 街道 and 社区 under the district) and restarts when it changes.
(function () {
  "use strict";

  function chain(code, root) {
    // the codes between root (exclusive) and code (inclusive): 6-digit levels, then 9 and 12 digits
    var out = [];
    if (!code) { return out; }
    var six = code.slice(0, 6);
    var steps = [six.slice(0, 2) + "0000", six.slice(0, 4) + "00", six];
    if (code.length >= 9) { steps.push(code.slice(0, 9)); }
    if (code.length >= 12) { steps.push(code.slice(0, 12)); }
    var seen = root ? false : true;
    steps.forEach(function (c) {
      if (seen && out.indexOf(c) < 0 && c !== root) { out.push(c); }
      if (c === root) { seen = true; }
    });
    return out;
  }

  function Cascade(box) {
    this.box = box;
    this.url = box.getAttribute("data-url");
    this.input = document.getElementById(box.getAttribute("data-input"));
    var rootId = box.getAttribute("data-root-input");
    this.rootInput = rootId ? document.getElementById(rootId) : null;
    this.selectClass = box.getAttribute("data-select-class") || "form-select";
    var self = this;
    if (this.rootInput) {
      this.rootInput.addEventListener("change", function () { self.input.value = ""; self.start(); });
    }
    this.start();
  }

  Cascade.prototype.root = function () {
    return this.rootInput ? this.rootInput.value : (this.box.getAttribute("data-root") || "");
  };

  Cascade.prototype.start = function () {
    while (this.box.firstChild) { this.box.removeChild(this.box.firstChild); }
    var root = this.root();
    if (this.rootInput && !root) { return; }
    this.level(0, root, chain(this.input.value, root));
  };

  Cascade.prototype.level = function (depth, parent, wanted) {
    var self = this;
    var url = this.url + "?parent=" + encodeURIComponent(parent || "");
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {children: []}; })
      .then(function (data) {
        if (!data.children || !data.children.length) { return; }
        var id = self.input.id + "-level-" + depth;
        var wrap = document.createElement("div");
        wrap.className = "region-cascade-level";
        var label = document.createElement("label");
        label.className = "visually-hidden";
        label.htmlFor = id;
        label.textContent = data.label;
        var select = document.createElement("select");
        select.id = id;
        select.className = self.selectClass;
        select.setAttribute("data-depth", depth);
        var blank = document.createElement("option");
        blank.value = "";
        blank.textContent = data.all_label;
        select.appendChild(blank);
        data.children.forEach(function (c) {
          var o = document.createElement("option");
          o.value = c.code;
          o.textContent = c.name;
          select.appendChild(o);
        });
        wrap.appendChild(label);
        wrap.appendChild(select);
        self.box.appendChild(wrap);
        select.addEventListener("change", function () {
          // drop the deeper levels, then offer the next one below the choice
          var levels = self.box.querySelectorAll(".region-cascade-level");
          for (var i = levels.length - 1; i > depth; i--) { self.box.removeChild(levels[i]); }
          self.input.value = select.value || (depth > 0 ? self.box.querySelectorAll("select")[depth - 1].value : "");
          if (select.value) { self.level(depth + 1, select.value, []); }
        });
        var next = wanted.length ? wanted[0] : "";
        if (next && select.querySelector('option[value="' + next + '"]')) {
          select.value = next;
          self.level(depth + 1, next, wanted.slice(1));
        }
      });
  };

  function init() {
    var boxes = document.querySelectorAll(".region-cascade");
    for (var i = 0; i < boxes.length; i++) { new Cascade(boxes[i]); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
