// Click (or Enter / Space on a focused figure) shows a figure at full resolution over the page;
// a click anywhere or Escape closes it. Added by book/_ext/bookext.py.
(function () {
  "use strict";
  function close(box) {
    box.remove();
    document.removeEventListener("keydown", box._onKey);
    if (box._opener) box._opener.focus();
  }
  function open(img) {
    const box = document.createElement("div");
    box.className = "fep-lightbox";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", "Enlarged figure (click or press Escape to close)");
    const big = document.createElement("img");
    big.src = img.currentSrc || img.src;
    big.alt = img.alt;
    box.appendChild(big);
    box._opener = img;
    box._onKey = (e) => { if (e.key === "Escape") close(box); };
    box.addEventListener("click", () => close(box));
    document.addEventListener("keydown", box._onKey);
    document.body.appendChild(box);
  }
  function setUp() {
    document.querySelectorAll(".bd-article .cell_output img, .bd-article figure img")
      .forEach((img) => {
        if (img.closest("a")) return;       // an image that is already a link keeps its link
        img.classList.add("fep-zoomable");
        img.tabIndex = 0;
        img.setAttribute("role", "button");
        img.title = "Click to enlarge";
        img.addEventListener("click", () => open(img));
        img.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(img); }
        });
      });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
