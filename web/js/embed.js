// Embed mode (?embed=<view>): one view fills the frame, with its own
// controls unless controls=0, its caption unless caption=0, and the export
// buttons only with tools=1. The CSS rules for it are in css/share.css.
import { PAGE_VIEWS } from './share.js';

/** Marks the page for embed mode, or leaves it as it is when page.embed is empty. */
export function applyEmbedMode(page) {
  const info = PAGE_VIEWS[page.embed];
  if (!info) return;
  const body = document.body;
  body.dataset.embed = page.embed;
  body.classList.toggle('embed-no-controls', !page.controls);
  body.classList.toggle('embed-no-caption', !page.caption);
  body.classList.toggle('embed-tools', page.tools);
  document.getElementById(info.element)?.classList.add('embed-target');
  document.title = `${info.title}: moe-bifurcation`;
}

/** Scrolls the view a link names into sight, at once (no smooth scrolling). */
export function showLinkedView(page) {
  const info = PAGE_VIEWS[page.view];
  if (!info || page.embed) return;
  document.getElementById(info.element)?.scrollIntoView({ block: 'start' });
}
