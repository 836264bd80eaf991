/* Countdown on the payment-code page (a local file: the CSP allows no inline script). */
(function () {
  var box = document.getElementById("payment-code-countdown");
  if (!box) return;
  var expires = Date.parse(box.getAttribute("data-expires"));
  var seconds = box.querySelector(".mp-seconds");
  var code = document.getElementById("payment-code");
  function tick() {
    var left = Math.max(0, Math.round((expires - Date.now()) / 1000));
    if (seconds) seconds.textContent = String(left);
    if (left <= 0) {
      box.textContent = box.getAttribute("data-expired-text");
      box.classList.add("text-danger");
      if (code) code.classList.add("mp-code-expired");
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
