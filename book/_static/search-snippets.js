// Readable search snippets. Sphinx's search page (searchtools.js) builds each result's snippet
// from the text of the page's [role="main"] element, which in this theme also holds the header
// buttons and the "Contents" sidebar, and shows formulas as their raw TeX ("\(z\)"). This takes
// the text of the article alone and writes formulas without their TeX delimiters.
(function () {
  "use strict";
  function install() {
    // searchtools.js declares `const Search` (a global binding, not a window property).
    if (typeof Search === "undefined" || typeof Search.htmlToText !== "function") return;
    Search.htmlToText = function (htmlString, anchor) {
      var doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".headerlink, script, style, .eqno, .toggle-details__summary")
        .forEach(function (el) { el.remove(); });
      doc.querySelectorAll(".math").forEach(function (el) {
        el.textContent = el.textContent.replace(/\\[()[\]]|\$\$/g, " ").replace(/\s+/g, " ");
      });
      var article = doc.querySelector("article.bd-article") || doc.querySelector('[role="main"]');
      if (!article) return "";
      var part = anchor ? article.querySelector(anchor) : null;
      return (part || article).textContent.replace(/\s+/g, " ");
    };
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", install);
  } else {
    install();
  }
})();
