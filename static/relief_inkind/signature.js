// Tablet signature: draw on the canvas with a finger, pen or mouse; the PNG goes into the hidden field.
(function () {
  var canvas = document.getElementById("signature-pad");
  if (!canvas) return;
  var field = document.getElementById(canvas.dataset.field);
  var ctx = canvas.getContext("2d");
  var drawing = false, drawn = false;
  ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#000";
  function pos(e) {
    var r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  }
  canvas.addEventListener("pointerdown", function (e) { drawing = true; var p = pos(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); e.preventDefault(); });
  canvas.addEventListener("pointermove", function (e) { if (!drawing) return; var p = pos(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true; e.preventDefault(); });
  ["pointerup", "pointerleave"].forEach(function (t) { canvas.addEventListener(t, function () { if (drawing && drawn) field.value = canvas.toDataURL("image/png"); drawing = false; }); });
  var clear = document.getElementById("signature-clear");
  if (clear) clear.addEventListener("click", function () { ctx.clearRect(0, 0, canvas.width, canvas.height); field.value = ""; drawn = false; });
})();
