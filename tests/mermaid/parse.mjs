// Parse Mermaid blocks with Mermaid itself: a JSON list of diagram texts on stdin,
// a JSON list of {ok, type | error} on stdout. jsdom stands in for the browser.
import { JSDOM } from "jsdom";
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window; globalThis.document = dom.window.document;
Object.defineProperty(globalThis, "navigator", { value: dom.window.navigator, configurable: true });
globalThis.DOMParser = dom.window.DOMParser; globalThis.Element = dom.window.Element;
const mermaid = (await import("mermaid")).default;
mermaid.initialize({ startOnLoad: false });
let text = "";
for await (const chunk of process.stdin) text += chunk;
const blocks = JSON.parse(text);
const out = [];
for (const b of blocks) {
  try { const r = await mermaid.parse(b); out.push({ ok: true, type: r.diagramType }); }
  catch (e) { out.push({ ok: false, error: String(e.message || e).slice(0, 300) }); }
}
console.log(JSON.stringify(out));
