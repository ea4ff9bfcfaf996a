// Keyboard access to what scrolls sideways, and to nothing else: a display equation or a table
// that is wider than the column (on a phone) scrolls inside its own box, so it becomes a Tab stop
// that arrow keys scroll; every other formula stays out of the Tab order (MathJax's own
// tabindex is off: mathjax3_config menuOptions.settings.inTabOrder in _config.yml).
// The theme does the same for code blocks and cell outputs.
(function () {
  "use strict";
  function update() {
    document.querySelectorAll('mjx-container[display="true"], .pst-scrollable-table-container')
      .forEach(function (el) {
        if (el.scrollWidth > el.clientWidth + 1) {
          el.setAttribute("tabindex", "0");
        } else if (el.getAttribute("tabindex") === "0") {
          el.removeAttribute("tabindex");
        }
      });
  }
  var timer = null;
  function later() {
    clearTimeout(timer);
    timer = setTimeout(update, 200);
  }
  function start() {
    var mj = window.MathJax;
    var ready = mj && mj.startup && mj.startup.promise ? mj.startup.promise : Promise.resolve();
    ready.then(update);
    window.addEventListener("resize", later);
  }
  if (document.readyState === "complete") {
    start();
  } else {
    window.addEventListener("load", start);
  }
})();
