"""The page's CSS and theme: the look of answers, citations, warnings and source cards.

Colours lean on Gradio's theme variables so light and dark mode both stay readable;
the few fixed colours (highlight, warning red) are chosen to work on either.
The theme uses system fonts only: the page must not fetch fonts from the internet.

Deliberately left out: layout logic; that is `ui/app.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # gradio loads only when a server starts
    import gradio as gr

CSS = """
#nr-header h1 { font-size: 1.35rem; margin: 0; }
#nr-header p { margin: 0.15rem 0 0; opacity: 0.75; font-size: 0.92rem; }
.nr-text { white-space: pre-wrap; }
.nr-streaming { opacity: 0.85; }
.nr-cursor { animation: nr-blink 1s steps(2) infinite; }
@keyframes nr-blink { 50% { opacity: 0; } }
.nr-answer { line-height: 1.55; }
.nr-heading { font-weight: 600; margin-bottom: 0.3rem; }
.nr-list { margin: 0.2rem 0 0; padding-left: 1.3rem; }
.nr-item { margin: 0 0 0.45rem; }
.nr-item-title { font-weight: 600; }
.nr-item-head .nr-meta { font-size: 0.85em; opacity: 0.75; }
.nr-summary { margin: 0; }
.nr-suggestions { margin: 0.35rem 0 0; padding-left: 1.2rem; }
.nr-suggestion { font-style: italic; }
.nr-cite {
  font-size: 0.78em; font-weight: 600; color: var(--color-accent, #2563eb);
  vertical-align: super; line-height: 0; padding: 0 1px; cursor: help; white-space: nowrap;
}
.nr-unsupported {
  text-decoration: underline dotted #dc2626; text-decoration-thickness: 2px;
  text-underline-offset: 3px; cursor: help;
}
.nr-warn { color: #dc2626; font-weight: 700; }
.nr-refusal {
  border-left: 4px solid #d97706; background: rgba(217, 119, 6, 0.10);
  padding: 0.5rem 0.75rem; border-radius: 6px;
}
.nr-refusal-icon { font-weight: 700; color: #d97706; }
.nr-refusal-hint, .nr-note { font-size: 0.85em; opacity: 0.8; margin-top: 0.35rem; }
.nr-note::before { content: "ℹ "; }
.nr-error {
  border-left: 4px solid #dc2626; background: rgba(220, 38, 38, 0.08);
  padding: 0.45rem 0.7rem; border-radius: 6px; white-space: pre-wrap;
}
.nr-ok {
  border-left: 4px solid #16a34a; background: rgba(22, 163, 74, 0.08);
  padding: 0.45rem 0.7rem; border-radius: 6px; margin: 0.3rem 0;
}
.nr-empty { opacity: 0.7; padding: 0.75rem 0.25rem; }
.nr-section { font-weight: 700; margin: 0.6rem 0 0.35rem; font-size: 0.95rem; }
.nr-card {
  border: 1px solid var(--border-color-primary, #e5e7eb); border-radius: 8px;
  padding: 0.6rem 0.75rem; margin-bottom: 0.6rem; background: var(--background-fill-secondary, transparent);
  overflow-wrap: anywhere;
}
.nr-card-head { display: flex; gap: 0.4rem; align-items: baseline; flex-wrap: wrap; }
.nr-num { font-weight: 700; color: var(--color-accent, #2563eb); }
.nr-title { font-weight: 600; }
.nr-score { margin-left: auto; font-size: 0.8em; opacity: 0.7; }
.nr-meta, .nr-file { font-size: 0.8em; opacity: 0.75; }
.nr-file { font-family: var(--font-mono, ui-monospace, monospace); overflow-wrap: anywhere; }
.nr-passage { margin-top: 0.4rem; font-size: 0.9em; line-height: 1.5; white-space: pre-wrap; }
mark.nr-quote { background: #fde68a; color: #111827; padding: 0 2px; border-radius: 3px; }
.nr-whole { margin-top: 0.45rem; }
.nr-whole summary { cursor: pointer; font-size: 0.85em; color: var(--color-accent, #2563eb); }
.nr-article {
  max-height: 320px; overflow-y: auto; white-space: pre-wrap; font-size: 0.88em; line-height: 1.5;
  border-top: 1px solid var(--border-color-primary, #e5e7eb); margin-top: 0.35rem; padding-top: 0.35rem;
}
.nr-checks { border-left: 4px solid #dc2626; padding: 0.1rem 0.6rem; margin-bottom: 0.6rem; }
.nr-checks ul { margin: 0; padding-left: 1rem; }
.nr-check-sentence { font-size: 0.9em; }
.nr-reason { font-size: 0.8em; opacity: 0.8; margin-left: 1rem; }
.nr-kv { display: flex; gap: 0.75rem; padding: 0.2rem 0; border-bottom: 1px solid var(--border-color-primary, #eee); }
.nr-kv > span:first-child { min-width: 8.5rem; opacity: 0.7; flex-shrink: 0; }
.nr-kv > span:last-child { overflow-wrap: anywhere; }
.nr-query { font-family: var(--font-mono, ui-monospace, monospace); }
.nr-table-wrap { overflow-x: auto; }
.nr-table { border-collapse: collapse; width: 100%; font-size: 0.85em; }
.nr-table th, .nr-table td {
  border-bottom: 1px solid var(--border-color-primary, #eee); padding: 0.25rem 0.35rem;
  text-align: left; vertical-align: top;
}
.nr-table td:nth-child(-n+5) { white-space: nowrap; font-variant-numeric: tabular-nums; }
.nr-snippet { font-size: 0.92em; opacity: 0.85; }
.nr-articles { padding-left: 1.3rem; margin: 0; }
.nr-articles li { margin: 0.15rem 0; }
.nr-problems { margin: 0.3rem 0; padding-left: 1.2rem; }
#nr-side { min-width: 0; }
/* The settings panel: shown and hidden by TOGGLE_SETTINGS_JS, always in the page (ui/app.py says why).
   !important: Gradio also adds each rule scoped under its container, which outranks the plain one. */
html:not([data-nr-settings="open"]) #nr-settings { display: none !important; }
#nr-settings-toggle { justify-content: space-between; }
#nr-settings-toggle::after { content: "▼"; font-size: 0.8em; transform: rotate(90deg); transition: transform 0.15s; }
html[data-nr-settings="open"] #nr-settings-toggle::after { transform: rotate(0deg) !important; }
#nr-send, #nr-new { white-space: nowrap; }
.nr-nowrap { white-space: nowrap; }
#nr-sources, #nr-why, #nr-status { max-height: 70vh; overflow-y: auto; }
@media (max-width: 640px) {
  #nr-sources, #nr-why, #nr-status { max-height: none; }
  .nr-kv { flex-direction: column; gap: 0; }
}
.nr-dates { margin-top: 0.3rem; display: flex; flex-wrap: wrap; gap: 0.3rem; }
.nr-date { font-size: 0.82em; padding: 0.05rem 0.4rem; border-radius: 0.6rem;
  background: var(--background-fill-secondary, #eef2ff); border: 1px solid var(--border-color-primary, #c7d2fe); }
.nr-also-in { margin-top: 0.3rem; font-size: 0.85em; }
.nr-also-in ul { margin: 0.1rem 0 0; padding-left: 1.2rem; }
.nr-also-label { font-weight: 600; }
.nr-disagree { margin-top: 0.5rem; padding: 0.45rem 0.6rem; border-radius: 0.4rem;
  border: 1px solid #d97706; background: rgba(217, 119, 6, 0.08); }
.nr-disagree-head { font-weight: 600; margin-bottom: 0.2rem; }
.nr-disagree ul { margin: 0; padding-left: 1.1rem; }
.nr-side { margin: 0.2rem 0; }
.nr-side-label { font-size: 0.75em; text-transform: uppercase; letter-spacing: 0.04em; font-weight: 700;
  padding: 0 0.3rem; border-radius: 0.3rem; border: 1px solid currentColor; }
.nr-who { opacity: 0.75; font-size: 0.9em; }
.nr-tl { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--border-color-primary, #ccc); }
.nr-tl-entry { margin: 0 0 0.7rem; padding-left: 0.7rem; position: relative; }
.nr-tl-entry::before { content: ""; position: absolute; left: -0.38rem; top: 0.35rem; width: 0.6rem; height: 0.6rem;
  border-radius: 50%; background: var(--color-accent, #2563eb); }
.nr-tl-date { font-weight: 700; }
.nr-how { font-weight: 400; font-size: 0.82em; opacity: 0.75; margin-left: 0.4rem; }
.nr-tl-source { font-size: 0.85em; opacity: 0.85; }
.nr-resolved { font-size: 0.85em; opacity: 0.8; }
.nr-notes { margin: 0.3rem 0; padding-left: 1.2rem; font-size: 0.9em; }
"""

# Scrolls the highlighted sentence into view when a reader opens the whole article.
# `toggle` does not bubble, so the listener captures it on the panel element.
SCROLL_TO_QUOTE_JS = """
element.addEventListener('toggle', function (event) {
  var box = event.target;
  if (!box || !box.open || !box.querySelector) return;
  var mark = box.querySelector('mark.nr-quote');
  if (mark) mark.scrollIntoView({block: 'center', behavior: 'auto'});
}, true);
"""


# Shows or hides the settings panel in the browser: no server event, so the controls stay
# mounted (and keep what the user typed) however fast anyone clicks and types. The state is an
# attribute of <html>, which no Gradio component re-renders (Gradio repeats a Group's id and
# classes on two nested elements, so classes on the panel itself would not do).
TOGGLE_SETTINGS_JS = """
() => {
  const root = document.documentElement;
  const open = root.dataset.nrSettings !== 'open';
  if (open) { root.dataset.nrSettings = 'open'; } else { delete root.dataset.nrSettings; }
  const button = document.getElementById('nr-settings-toggle');
  if (button) {
    button.setAttribute('aria-expanded', String(open));
    button.setAttribute('aria-controls', 'nr-settings');
  }
}
"""

def theme() -> gr.themes.Base:
    import gradio as gr

    system = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Menlo", "monospace"]
    return gr.themes.Default(font=system, font_mono=mono)
