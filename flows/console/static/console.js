// mttq console: drag-and-drop onto the file picker, size check before sending, copy buttons,
// filters that apply when changed. Every page also works without it (plain forms).
(function () {
  var form = document.getElementById("drop-form");
  if (form) {
    var zone = document.getElementById("dropzone");
    var input = document.getElementById("files");
    var chosen = document.getElementById("chosen");
    var tooLarge = document.getElementById("too-large");
    var maxBytes = parseInt(form.dataset.maxBytes, 10);
    var show = function () {
      var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
      chosen.textContent = names.join(", ");
      var big = Array.prototype.filter.call(input.files, function (f) { return f.size > maxBytes; });
      tooLarge.hidden = big.length === 0;
      tooLarge.textContent = big.length ? "Tệp quá lớn (tối đa 10 MB) / Too large (at most 10 MB): " +
        big.map(function (f) { return f.name; }).join(", ") : "";
      return big.length === 0;
    };
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      input.files = e.dataTransfer.files;
      if (show() && input.files.length) { form.submit(); }
    });
    form.addEventListener("submit", function (e) { if (!show()) { e.preventDefault(); } });
  }
  document.querySelectorAll("select.autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var area = document.getElementById(button.dataset.target);
      area.select();
      var done = function () { button.textContent = button.dataset.done; };
      if (navigator.clipboard) { navigator.clipboard.writeText(area.value).then(done, function () { document.execCommand("copy"); done(); }); }
      else { document.execCommand("copy"); done(); }
    });
  });
})();
