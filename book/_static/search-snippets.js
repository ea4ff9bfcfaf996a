// Readable search snippets. Sphinx's search page (searchtools.js) builds each result's snippet
// from the text of the page's [role="main"] element, which in this theme also holds the header
// buttons and the "Contents" sidebar, and shows formulas as their raw TeX ("\(z\)"). This takes
// the text of the article alone and writes formulas as plain text (texToText).
(function () {
  "use strict";
  // "\(a^{\langle t \rangle} \odot b\)" -> "a^⟨t⟩ ⊙ b": no delimiters, symbols for the common
  // macros, the backslash dropped from the others (\tanh -> tanh), no grouping braces.
  var SYMBOLS = {langle: "⟨", rangle: "⟩", odot: "⊙", cdot: "·", times: "×", sigma: "σ",
                 Gamma: "Γ", tau: "τ", partial: "∂", sum: "Σ", prod: "Π", le: "≤", ge: "≥",
                 to: "→", top: "ᵀ", approx: "≈", mid: "|", ldots: "…", dots: "…", quad: " "};
  function texToText(tex) {
    return tex
      .replace(/\\[()[\]]|\$\$/g, " ")
      .replace(/\\([A-Za-z]+)/g, function (m, name) {
        return Object.prototype.hasOwnProperty.call(SYMBOLS, name) ? SYMBOLS[name] : name;
      })
      .replace(/\\(.)/g, "$1")
      .replace(/[{}]/g, "")
      .replace(/\s+/g, " ");
  }

  function install() {
    // searchtools.js declares `const Search` (a global binding, not a window property).
    if (typeof Search === "undefined" || typeof Search.htmlToText !== "function") return;
    Search.htmlToText = function (htmlString, anchor) {
      var doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".headerlink, script, style, .eqno, .toggle-details__summary")
        .forEach(function (el) { el.remove(); });
      doc.querySelectorAll(".math").forEach(function (el) {
        el.textContent = texToText(el.textContent);
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
