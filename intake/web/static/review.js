// Keyboard-first review (the pages work without it: plain forms, Enter submits the decision).
// In a doubted field: Enter accepts the value and goes to the next doubted field (after the
// last, to the decision button); typing replaces the value (it is selected on focus); Tab and
// Shift+Tab move among doubted fields only; Escape puts back the value read; Ctrl+Enter
// approves. Outside a text field: A approves (or settles), R rejects (then 1-4 picks a
// reason, or type one and Enter), D marks the duplicate, X closes without follow-up, S skips.
"use strict";
(function () {
  const doubts = Array.from(document.querySelectorAll("input.doubt-input"));
  const primary = document.querySelector("[data-primary]");
  const byKey = (key) => document.querySelector(`[data-key="${key}"]`);

  function focusField(index) {
    const input = doubts[index];
    if (input) {
      input.focus();
      input.select();
    } else if (primary) {
      primary.focus();
    }
  }

  function settle(input) {
    const card = input.closest(".check");
    if (!card) return;
    card.classList.add("checked");
    card.classList.toggle("changed", input.value.trim() !== input.dataset.prefill.trim());
  }

  function press(element) {
    if (!element) return false;
    if (element.tagName === "A") {
      window.location.assign(element.href);
    } else {
      element.click();
    }
    return true;
  }

  doubts.forEach((input, index) => {
    input.addEventListener("focus", () => input.select());
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        doubts.forEach(settle);
        press(byKey("a"));
      } else if (event.key === "Enter") {
        event.preventDefault();
        settle(input);
        focusField(index + 1);
      } else if (event.key === "Tab") {
        event.preventDefault();
        focusField(event.shiftKey ? Math.max(index - 1, 0) : index + 1);
      } else if (event.key === "Escape") {
        input.value = input.dataset.prefill;
        input.select();
      }
    });
  });

  const note = document.getElementById("reject-note");
  const reasons = Array.from(document.querySelectorAll("#reject-reasons option"));
  if (note) {
    note.addEventListener("keydown", (event) => {
      const choice = Number(event.key);
      if (note.value === "" && choice >= 1 && choice <= reasons.length) {
        event.preventDefault();
        note.value = reasons[choice - 1].value;
        note.form.requestSubmit();
      } else if (event.key === "Escape") {
        note.value = "";
        if (primary) primary.focus();
      }
    });
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement;
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key.toLowerCase();
    if (key === "r" && note) {
      event.preventDefault();
      note.focus();
    } else if (["a", "d", "x", "s"].includes(key) && press(byKey(key))) {
      event.preventDefault();
    }
  });

  if (doubts.length) {
    focusField(0);
  } else if (primary && document.activeElement === document.body) {
    primary.focus();
  }
})();
