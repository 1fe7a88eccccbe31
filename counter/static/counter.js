// The counter screen (counter/templates/counter.html), issue 18:
// - keys: a button with data-key="n" is pressed by the key N (shown on it). Not while the person types
//   in a field, not with Ctrl/Alt/Meta, not while a dialog is open (Esc closes that, natively);
// - the transfer dialog opens with command="show-modal" (invoker commands); older browsers get the
//   same from here. An error answer to a form in the dialog is shown in the dialog, not behind it;
// - the alarm is raised only by holding its button down (mouse, touch, Enter or Space) for HOLD_MS,
//   with the progress drawn on the button; a click alone raises nothing;
// - the queue list is swapped in by the websocket: a row's open priority step stays open.
(function () {
  "use strict";
  var HOLD_MS = 1500;

  function typing(target) {
    if (!target || !target.closest) return false;
    // A field in a dialog just closed keeps the focus until the next frame, though no one can
    // type in it: Esc and then N at once must still call the next customer.
    if (!target.getClientRects().length) return false;
    return !!target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.repeat || event.defaultPrevented) return;
    if (typing(event.target) || document.querySelector("dialog[open]")) return;
    if (event.key.length !== 1) return;
    var button = document.querySelector('button[data-key="' + event.key.toLowerCase() + '"]:not(:disabled)');
    if (!button || !button.getClientRects().length) return;
    event.preventDefault();
    button.click();
  });

  // Invoker commands where the browser lacks them (Chromium < 135, Firefox < 144, Safari < 26.2).
  if (!("command" in HTMLButtonElement.prototype)) {
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("button[commandfor]");
      if (!button) return;
      var dialog = document.getElementById(button.getAttribute("commandfor"));
      if (!dialog || !dialog.showModal) return;
      if (button.getAttribute("command") === "show-modal" && !dialog.open) dialog.showModal();
      else if (button.getAttribute("command") === "close") dialog.close();
    });
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var dialog = source && source.closest && source.closest("dialog[open]");
    if (event.detail.isError && dialog) {
      var box = dialog.querySelector(".dialog-errors");
      if (box) { event.detail.target = box; event.detail.swapOverride = "innerHTML"; }
    }
  });

  // --- the alarm: press and hold ---------------------------------------------------------------
  var holding = null;  // {button, timer}

  function startHold(button) {
    if (holding) return;
    button.classList.add("holding");
    holding = {button: button, timer: setTimeout(function () {
      var form = button.form;
      stopHold();
      var confirmed = form.querySelector("input[name=confirmed]") || document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirmed";
      confirmed.value = "1";
      form.appendChild(confirmed);
      button.classList.add("raised");
      setTimeout(function () { button.classList.remove("raised"); }, 3000);
      if (window.htmx) {
        window.htmx.ajax("POST", form.getAttribute("action"), {source: form, swap: "none"});
      } else {
        form.submit();
      }
    }, HOLD_MS)};
  }

  function stopHold() {
    if (!holding) return;
    clearTimeout(holding.timer);
    holding.button.classList.remove("holding");
    holding = null;
  }

  function alarmButton(target) {
    return target && target.closest ? target.closest(".alarm-button") : null;
  }

  document.addEventListener("pointerdown", function (event) {
    var button = alarmButton(event.target);
    if (button && event.button === 0) startHold(button);
  });
  ["pointerup", "pointercancel", "pointerleave"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (holding && (type !== "pointerleave" || event.target === holding.button)) stopHold();
    }, true);
  });
  document.addEventListener("keydown", function (event) {
    var button = alarmButton(event.target);
    if (!button || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault();  // a key press alone submits nothing; holding it does
    if (!event.repeat) startHold(button);
  });
  document.addEventListener("keyup", function (event) {
    if (holding && (event.key === "Enter" || event.key === " ")) stopHold();
  });
  document.addEventListener("click", function (event) {
    if (alarmButton(event.target)) event.preventDefault();  // with JavaScript only a hold raises it
  });
  window.addEventListener("blur", stopHold);

  // --- the queue list, swapped in by the websocket --------------------------------------------
  var openRows = [];
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "queue-panel") {
      openRows = Array.prototype.map.call(
        event.detail.target.querySelectorAll("details.row-more[open]"),
        function (details) { return details.getAttribute("data-ticket"); });
    }
  });
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (!openRows.length) return;
    openRows.forEach(function (number) {
      var details = document.querySelector('#queue-panel details.row-more[data-ticket="' + number + '"]');
      if (details) details.open = true;
    });
    openRows = [];
  });
})();
