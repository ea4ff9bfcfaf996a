// On a phone or tablet the chapter list and the page's contents open as drawers. The theme moves
// the focus into a drawer 100 ms after its toggle is clicked, but the drawer only becomes
// focusable once the browser has drawn a frame since the click (its `visibility` changes through
// a transition that starts at the first frame). A busy phone (MathJax still typesetting) may not
// have drawn one by then: the focus then stays on the toggle, behind the drawer, and a keyboard
// or screen-reader user tabs through the page under it. This finishes the job: until the drawer
// is shown (for at most two seconds), and only while it is open and the focus is outside it.
(function () {
  "use strict";
  var DRAWERS = [
    {toggle: ".primary-toggle", checkbox: "pst-primary-sidebar-checkbox", drawer: ".bd-sidebar-primary"},
    {toggle: ".secondary-toggle", checkbox: "pst-secondary-sidebar-checkbox", drawer: ".bd-sidebar-secondary"},
  ];
  var PATIENCE_MS = 2000;
  var POLL_MS = 50;

  function focusOnceShown(checkbox, drawer, deadline) {
    if (!checkbox.checked || drawer.contains(document.activeElement)) {
      return;
    }
    var first = drawer.querySelector("a, button");
    if (first && getComputedStyle(drawer).visibility === "visible") {
      first.focus();
      return;
    }
    if (performance.now() < deadline) {
      setTimeout(function () { focusOnceShown(checkbox, drawer, deadline); }, POLL_MS);
    }
  }

  function start() {
    DRAWERS.forEach(function (parts) {
      var toggle = document.querySelector(parts.toggle);
      var checkbox = document.getElementById(parts.checkbox);
      var drawer = document.querySelector(parts.drawer);
      if (!toggle || !checkbox || !drawer) {
        return;
      }
      toggle.addEventListener("click", function () {
        var deadline = performance.now() + PATIENCE_MS;
        // after the theme's own attempt (100 ms), which succeeds whenever a frame came first
        setTimeout(function () { focusOnceShown(checkbox, drawer, deadline); }, 150);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
