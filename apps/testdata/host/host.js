// A small MCP Apps host for the browser tests, in the way claude.ai or
// ChatGPT host an app: an MCP client connects to the server, finds the
// tool's ui:// resource in tools/list (_meta.ui.resourceUri), reads it,
// renders it in a sandboxed frame under the Content Security Policy its
// _meta.ui.csp declares, and joins the two with the ext-apps package's
// AppBridge, which proxies the app's tools/call to the server.
//
// The page's fragment says what to do: key, tool, args (JSON) and theme.
// window.testHost reports to the Go test.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { AppBridge, PostMessageTransport, getToolUiResourceUri } from "@modelcontextprotocol/ext-apps/app-bridge";

const state = (window.testHost = { ready: false, error: "", result: null, messages: [], toolCalls: [], csp: null, meta: null, resourceMimeType: "" });

function policy(csp) {
  const list = (domains) => (domains || []).join(" ");
  return [
    "default-src 'none'",
    "script-src 'unsafe-inline' " + list(csp.resourceDomains),
    "style-src 'unsafe-inline' " + list(csp.resourceDomains),
    "img-src data: " + list(csp.resourceDomains),
    "font-src data: " + list(csp.resourceDomains),
    "connect-src " + (list(csp.connectDomains) || "'none'"),
    "frame-src " + (list(csp.frameDomains) || "'none'"),
    "base-uri " + (list(csp.baseUriDomains) || "'none'"),
  ].join("; ");
}

async function main() {
  const q = new URLSearchParams(location.hash.slice(1));
  const tool = q.get("tool");
  const args = JSON.parse(q.get("args") || "{}");
  const theme = q.get("theme") || "light";
  document.body.classList.toggle("dark", theme === "dark");

  const client = new Client({ name: "logistified-test-host", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", location.href), {
    requestInit: { headers: { Authorization: "Bearer " + q.get("key") } },
  }));
  const { tools } = await client.listTools();
  const def = tools.find((t) => t.name === tool);
  if (!def) throw new Error(tool + " is not in tools/list");
  const uri = getToolUiResourceUri(def);
  if (!uri) throw new Error(tool + " names no ui:// resource");
  const { contents } = await client.readResource({ uri });
  const content = contents[0];
  state.resourceMimeType = content.mimeType;
  state.meta = content._meta || null;
  const ui = (content._meta && content._meta.ui) || {};
  state.csp = policy(ui.csp || {});

  const frame = document.getElementById("frame");
  frame.classList.toggle("bordered", !!ui.prefersBorder);
  const iframe = document.createElement("iframe");
  iframe.title = def.annotations && def.annotations.title ? def.annotations.title : tool;
  // allow-same-origin lets the test reach into the frame; the declared
  // policy still keeps the app from loading or calling anything.
  iframe.setAttribute("sandbox", "allow-scripts allow-same-origin");
  frame.append(iframe);

  const bridge = new AppBridge(client, { name: "logistified-test-host", version: "1.0.0" },
    { openLinks: {}, serverTools: {}, logging: {}, message: { text: {} } },
    { hostContext: { theme, locale: "en-US", displayMode: "inline", availableDisplayModes: ["inline"], platform: "web",
      toolInfo: { tool: def }, containerDimensions: { maxHeight: 8000, width: frame.clientWidth } } });
  bridge.onmessage = async (params) => { state.messages.push(params); return {}; };
  bridge.onsizechange = ({ height }) => { if (height) iframe.style.height = height + "px"; };
  bridge.oninitialized = async () => {
    try {
      await bridge.sendToolInput({ arguments: args });
      const result = await client.callTool({ name: tool, arguments: args });
      state.result = result;
      await bridge.sendToolResult(result);
      state.ready = true;
    } catch (err) {
      state.error = String(err && err.stack || err);
    }
  };
  state.setTheme = (t) => {
    document.body.classList.toggle("dark", t === "dark");
    return bridge.sendHostContextChange({ theme: t });
  };
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  // connect() installed the bridge's own proxy of tools/call to the
  // server; note each call the app makes on its way through.
  const forward = bridge.oncalltool;
  bridge.oncalltool = async (params, extra) => {
    state.toolCalls.push(params);
    return forward(params, extra);
  };
  const html = content.text.replace(/<head>/i, '<head><meta http-equiv="Content-Security-Policy" content="' + state.csp + '">');
  iframe.srcdoc = html;
}

main().catch((err) => { state.error = String(err && err.stack || err); });
