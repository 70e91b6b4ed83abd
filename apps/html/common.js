// The app side of MCP Apps (SEP-1865, protocol 2026-01-26) over
// postMessage: ui/initialize, then the host's notifications (tool input,
// tool result, host context) in, tools/call and ui/message out. Written
// small by hand so that the app loads nothing from anywhere.
"use strict";
const host = (() => {
  const parent = window.parent;
  const pending = new Map();
  const handlers = {};
  let nextId = 1;
  let context = {};
  let capabilities = {};
  const post = (msg) => parent.postMessage(Object.assign({ jsonrpc: "2.0" }, msg), "*");
  const request = (method, params) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    post({ id, method, params: params || {} });
  });
  const notify = (method, params) => post({ method, params: params || {} });
  window.addEventListener("message", (event) => {
    if (event.source !== parent) return;
    const m = event.data;
    if (!m || m.jsonrpc !== "2.0") return;
    if (m.method === undefined && m.id !== undefined) {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error.message || "the host refused the request"));
      else p.resolve(m.result);
      return;
    }
    if (m.id !== undefined) {
      // Requests from the host: ping and ui/resource-teardown need only an answer.
      if (m.method === "ping" || m.method === "ui/resource-teardown") post({ id: m.id, result: {} });
      else post({ id: m.id, error: { code: -32601, message: "Method not found: " + m.method } });
      return;
    }
    if (m.method === "ui/notifications/host-context-changed") applyContext(m.params || {});
    (handlers[m.method] || []).forEach((h) => h(m.params || {}));
  });

  function applyContext(ctx) {
    context = Object.assign({}, context, ctx);
    const root = document.documentElement;
    if (context.theme === "dark" || context.theme === "light") root.dataset.theme = context.theme;
    const vars = (context.styles && context.styles.variables) || {};
    for (const [k, v] of Object.entries(vars)) {
      if (k.startsWith("--") && typeof v === "string" && v) root.style.setProperty(k, v);
    }
    (handlers.context || []).forEach((h) => h(context));
  }

  // Report the content's height, so that an inline frame fits it.
  let lastHeight = 0;
  const report = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== lastHeight) {
      lastHeight = height;
      notify("ui/notifications/size-changed", { height });
    }
  };

  return {
    on(method, fn) { (handlers[method] = handlers[method] || []).push(fn); },
    get context() { return context; },
    get capabilities() { return capabilities; },
    async start(name) {
      if (!window.matchMedia("(prefers-color-scheme: dark)").matches) document.documentElement.dataset.theme = "light";
      else document.documentElement.dataset.theme = "dark";
      const res = await request("ui/initialize", {
        appInfo: { name: "logistified-" + name, version: "1.0.0" },
        appCapabilities: {},
        protocolVersion: "2026-01-26",
      });
      capabilities = (res && res.hostCapabilities) || {};
      applyContext((res && res.hostContext) || {});
      notify("ui/notifications/initialized", {});
      new ResizeObserver(report).observe(document.documentElement);
      report();
    },
    // callTool resolves to the tool's result; a tool error (isError)
    // rejects with its text, and with .preview when the refusal carries one.
    async callTool(name, args) {
      const res = await request("tools/call", { name, arguments: args });
      if (res && res.isError) {
        const text = ((res.content || []).find((c) => c.type === "text") || {}).text || "The call failed.";
        const err = new Error(text.split("\nFresh preview: ")[0]);
        const fresh = text.split("\nFresh preview: ")[1];
        if (fresh) { try { err.preview = JSON.parse(fresh); } catch (_) { /* shown as text */ } }
        throw err;
      }
      return (res && res.structuredContent) || JSON.parse(((res.content || [])[0] || {}).text || "{}");
    },
    canMessage() { return !!capabilities.message; },
    message(text) { return request("ui/message", { role: "user", content: [{ type: "text", text }] }); },
  };
})();

// The data of a tool result: structuredContent, or the JSON text.
function resultData(params) {
  if (params.structuredContent) return params.structuredContent;
  const t = ((params.content || []).find((c) => c.type === "text") || {}).text;
  try { return t ? JSON.parse(t) : null; } catch (_) { return null; }
}

// The store's currency comes with the result (_meta["logistified/currency"]).
let currency = "";
function noteCurrency(params) {
  const c = params && params._meta && params._meta["logistified/currency"];
  if (typeof c === "string" && /^[A-Z]{3}$/.test(c)) currency = c;
}
function locale() { return host.context.locale || navigator.language || "en-US"; }
function money(v) {
  if (v === undefined || v === null || isNaN(v)) return "–";
  try {
    if (currency) return new Intl.NumberFormat(locale(), { style: "currency", currency }).format(v);
  } catch (_) { /* an unknown locale or currency: plain below */ }
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v);
}
function count(v, digits) {
  if (v === undefined || v === null || isNaN(v)) return "–";
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits || 0 }).format(v);
}
function days(v) {
  if (v === undefined || v === null) return "not selling";
  return count(v, v < 10 ? 1 : 0) + (v === 1 ? " day" : " days");
}
function words(s) { return String(s || "").replace(/_/g, " "); }

// el builds an element: el("td", {class: "num"}, "text", child, …).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
