// The MCP TypeScript SDK's client (v2) with an elicitation handler, as a
// client that can ask the person would run it, calling a write that the
// key's approval setting holds. TestApprovalWithTypeScriptSDK
// (cmd/logistified) runs it with:
//   TRANSPORT  stdio (LOGISTIFIED_BIN, LOGISTIFIED_API_KEY,
//              LOGISTIFIED_DATABASE_URL) or http (MCP_URL, LOGISTIFIED_API_KEY)
//   ERA        legacy (initialize; the server asks with elicitation/create)
//              or modern (protocol 2026-07-28; the server answers
//              input_required and the client retries with the answer)
//   ANSWER     accept, decline, or none (no elicitation capability)
//   TOOL, ARGS the call
// and reads the JSON it prints: what the person was asked, and the result.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const answer = process.env.ANSWER;
const options = {};
if (answer !== 'none') options.capabilities = { elicitation: {} };
if (process.env.ERA === 'modern') options.versionNegotiation = { mode: { pin: '2026-07-28' } };
const client = new Client({ name: 'logistified-approval-test', version: '1.0.0' }, options);
const asked = [];
if (answer !== 'none') {
  client.setRequestHandler('elicitation/create', async request => {
    asked.push(request.params.message);
    return answer === 'accept' ? { action: 'accept', content: {} } : { action: 'decline' };
  });
}

let transport;
let stderr = '';
if (process.env.TRANSPORT === 'stdio') {
  transport = new StdioClientTransport({
    command: process.env.LOGISTIFIED_BIN,
    args: ['stdio'],
    env: {
      LOGISTIFIED_API_KEY: process.env.LOGISTIFIED_API_KEY,
      LOGISTIFIED_DATABASE_URL: process.env.LOGISTIFIED_DATABASE_URL,
    },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', chunk => { stderr += chunk; });
} else {
  transport = new StreamableHTTPClientTransport(new URL(process.env.MCP_URL), {
    requestInit: { headers: { Authorization: 'Bearer ' + process.env.LOGISTIFIED_API_KEY } },
  });
}

const out = { asked };
try {
  await client.connect(transport);
  const res = await client.callTool({ name: process.env.TOOL, arguments: JSON.parse(process.env.ARGS) });
  out.is_error = res.isError === true;
  out.text = (res.content ?? []).map(c => c.text ?? '').join('\n');
  out.structured = res.structuredContent ?? null;
} catch (e) {
  out.error = String(e?.stack ?? e);
}
await client.close().catch(() => {});
out.stderr = stderr;
process.stdout.write(JSON.stringify(out) + '\n');
