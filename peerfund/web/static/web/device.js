// Device fingerprint for risk control: a SHA-256 of stable browser traits, kept in a
// first-party cookie the server reads (core/devices.py). No third-party script.
(function () {
  if (!window.crypto || !crypto.subtle || document.cookie.indexOf("pf_device=") !== -1) return;
  var traits = [navigator.userAgent, navigator.language, (navigator.languages || []).join(","), screen.width + "x" + screen.height,
    screen.colorDepth, new Date().getTimezoneOffset(), navigator.hardwareConcurrency || "", navigator.platform || ""].join("|");
  crypto.subtle.digest("SHA-256", new TextEncoder().encode(traits)).then(function (buffer) {
    var hex = Array.from(new Uint8Array(buffer)).map(function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    document.cookie = "pf_device=" + hex + "; path=/; max-age=31536000; SameSite=Lax";
  });
})();
