// The MCP TypeScript SDK's stdio client starting a Logistified server that
// cannot serve (a revoked key, say), as Claude Code or Claude Desktop would:
// the connection must succeed, and the server's sentence must reach the
// assistant. TestStdioProblemWithTypeScriptSDK (cmd/logistified) runs it
// with LOGISTIFIED_BIN, LOGISTIFIED_API_KEY and LOGISTIFIED_DATABASE_URL
// set, and reads the JSON it prints.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const transport = new StdioClientTransport({
  command: process.env.LOGISTIFIED_BIN,
  args: ['stdio'],
  env: {
    LOGISTIFIED_API_KEY: process.env.LOGISTIFIED_API_KEY,
    LOGISTIFIED_DATABASE_URL: process.env.LOGISTIFIED_DATABASE_URL,
  },
  stderr: 'pipe',
});
let stderr = '';
transport.stderr.on('data', chunk => { stderr += chunk; });
const client = new Client({ name: 'logistified-stdio-problem', version: '1.0.0' });
const out = {};
try {
  await client.connect(transport);
  out.connected = true;
  out.instructions = client.getInstructions() ?? '';
  out.tools = (await client.listTools()).tools.map(t => t.name);
  const call = await client.callTool({ name: 'get_store_overview', arguments: {} });
  out.call_is_error = call.isError === true;
  out.call_text = (call.content ?? []).map(c => c.text ?? '').join('\n');
} catch (e) {
  out.connected = out.connected ?? false;
  out.error = String(e?.message ?? e);
}
// The process, to read its exit code once the client has closed stdin.
const proc = transport._process;
await client.close();
if (proc && proc.exitCode === null && proc.signalCode === null) {
  await new Promise(resolve => proc.once('close', resolve));
}
out.exit_code = proc ? proc.exitCode : null;
out.stderr = stderr;
process.stdout.write(JSON.stringify(out) + '\n');
