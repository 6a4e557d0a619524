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

// Where a document stops being JSON (RFC 8259), as "Line L, column C: what": a small
// recursive-descent reader, because browsers' JSON.parse messages do not all say where.
function jsonProblem(text) {
  let at = 0;
  const fail = (what) => { throw { at, what }; };
  const space = () => { while (at < text.length && " \t\n\r".includes(text[at])) at++; };
  function string() {
    at++;
    while (at < text.length && text[at] !== '"') {
      if (text[at] < " ") fail("a control character inside a string");
      at += text[at] === "\\" ? 2 : 1;
    }
    if (at >= text.length) fail("a string is not closed");
    at++;
  }
  function members(close, member) {
    at++;
    space();
    if (text[at] === close) { at++; return; }
    for (;;) {
      member();
      space();
      if (text[at] === ",") { at++; continue; }
      if (text[at] === close) { at++; return; }
      fail(`expected ',' or '${close}'`);
    }
  }
  function value() {
    space();
    const c = text[at];
    if (c === "{") {
      members("}", () => {
        space();
        if (text[at] !== '"') fail("expected a member name in double quotes");
        string();
        space();
        if (text[at] !== ":") fail("expected ':' after the member name");
        at++;
        value();
      });
    } else if (c === "[") {
      members("]", value);
    } else if (c === '"') {
      string();
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      const number = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(at));
      if (!number) fail("a malformed number");
      at += number[0].length;
    } else {
      const word = ["true", "false", "null"].find((w) => text.startsWith(w, at));
      if (!word) fail(c === undefined ? "the document ends too early" : `unexpected ${JSON.stringify(c)}`);
      at += word.length;
    }
  }
  try {
    value();
    space();
    if (at < text.length) fail("unexpected text after the document");
    return null;
  } catch (problem) {
    if (problem.at === undefined) throw problem;
    const before = text.slice(0, problem.at).split("\n");
    return `Line ${before.length}, column ${before[before.length - 1].length + 1}: not valid JSON, ${problem.what}`;
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
