// idpool console: the little script it has. Every page works without it; with it, the
// provider tabs switch in place, JSON editors say where a document stops being JSON as
// you type, code can be copied, and a filter applies when ticked. No inline script, no eval.
"use strict";

document.documentElement.classList.add("js");

function setupTabs(root) {
  const tabs = Array.from(root.querySelectorAll('[role="tab"]'));
  function select(tab, focus) {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    }
    if (focus) tab.focus();
  }
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      select(tabs[(moves[event.key] + tabs.length) % tabs.length], true);
    });
  });
  select(tabs.find((tab) => tab.getAttribute("aria-selected") === "true") || tabs[0], false);
}

// Where JSON.parse stopped, as line and column: browsers say "position N" (V8 adds the line).
function jsonProblem(text) {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    const found = /position (\d+)/.exec(error.message);
    const message = error.message.replace(/\s*\(line \d+ column \d+\)/, "");
    if (!found) return message;
    const before = text.slice(0, Number(found[1])).split("\n");
    return `Line ${before.length}, column ${before[before.length - 1].length + 1}: ${message}`;
  }
}

function setupJsonEditor(area) {
  const status = document.getElementById(area.getAttribute("aria-describedby"));
  if (!status) return;
  const hint = status.textContent;
  area.addEventListener("input", () => {
    const text = area.value.trim();
    const problem = text ? jsonProblem(text) : null;
    status.textContent = problem || (text ? "Valid JSON." : hint);
    status.classList.toggle("bad", Boolean(problem));
    if (problem) area.setAttribute("aria-invalid", "true"); else area.removeAttribute("aria-invalid");
  });
}

function setupCopy(button) {
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(source.textContent);
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
}

function setupSimulator(select) {
  const roleOnly = document.querySelector("[data-role-only]");
  if (!roleOnly) return;
  const apply = () => { roleOnly.hidden = select.value !== "role"; };
  select.addEventListener("change", apply);
  apply();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-tabs]").forEach(setupTabs);
  document.querySelectorAll("textarea[data-json]").forEach(setupJsonEditor);
  document.querySelectorAll("[data-copy]").forEach(setupCopy);
  document.querySelectorAll("[data-autosubmit]").forEach((box) => box.addEventListener("change", () => box.form.submit()));
  const subject = document.getElementById("subject");
  if (subject) setupSimulator(subject);
});
