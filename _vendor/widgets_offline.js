// Loaded after require.js and before embed-amd.js (nb_ipywidgets_js order in _config.yml).
// 1. embed-amd.js (@jupyter-widgets/html-manager 1.0) loads its icon fonts relative to the
//    AMD module's URL, i.e. <page dir>/@jupyter-widgets/html-manager/dist/, a 404: map that
//    module path onto _static/, where html_static_path copies the fonts from _vendor/.
require.config({paths: {"@jupyter-widgets/html-manager/dist":
  (document.documentElement.dataset.content_root || "") + "_static"}});
// 2. It typesets widget labels with MathJax 2's MathJax.Hub.Queue(["Typeset", MathJax.Hub, el]);
//    the book has MathJax 3 (no Hub), so every label threw. Forward to MathJax 3. MathJax is
//    loaded with `defer`, so define the shim once the deferred scripts have run.
document.addEventListener("DOMContentLoaded", function () {
  var MJ = window.MathJax;
  if (!MJ || MJ.Hub || !MJ.startup) return;
  MJ.Hub = {Queue: function (cmd) {
    var el = Array.isArray(cmd) ? cmd[2] : null;
    if (el) MJ.startup.promise.then(function () { return MJ.typesetPromise([el]); })
                              .catch(function (e) { console.warn("MathJax:", e); });
  }};
});
