// Opening a counter: choosing the counter brings its default services (an htmx swap of the services).
// A clerk who ticks services before that answer comes keeps the ticks: an answer that arrives late,
// as from a busy server, does not overwrite what the person already chose.
(function () {
  var chosenByHand = false;
  document.addEventListener("change", function (event) {
    if (event.target.name === "counter") chosenByHand = false;
    else if (event.target.closest("#counter-profile")) chosenByHand = true;
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (chosenByHand && event.detail.target && event.detail.target.id === "counter-profile") {
      event.detail.shouldSwap = false;
    }
  });
})();
