// Enhancements for every page of the service; every page works the same without them.

// "Scroll sideways within the table": shown only while its table does not fit its box (the
// page shows it for every wide table when JavaScript is off).
const showScrollHints = () => {
  document.querySelectorAll(".app-scroll-hint").forEach((hint) => {
    const box = hint.nextElementSibling;
    if (box && box.classList.contains("app-table-scroll")) {
      hint.hidden = box.scrollWidth - box.clientWidth <= 1;  // a pixel of rounding is not a scroll
    }
  });
};
showScrollHints();
window.addEventListener("resize", showScrollHints);
// Tables inside <details> only have a width once opened.
document.addEventListener("toggle", showScrollHints, true);
