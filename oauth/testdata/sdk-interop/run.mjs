// The MCP TypeScript SDK's OAuth client connecting as a web-chat app would:
// a bare 401 from /mcp, protected resource and authorization server
// metadata, dynamic registration, PKCE, the approval form posted with a
// connection code, the token exchange, then MCP calls with the token.
// TestMCPTypeScriptSDK (oauth/sdk_test.go) runs it with LOGISTIFIED_BASE
// and LOGISTIFIED_CONNECTION_CODE set, and reads the JSON it prints.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const base = process.env.LOGISTIFIED_BASE;
const code = process.env.LOGISTIFIED_CONNECTION_CODE;
const callback = 'http://127.0.0.1:9/callback'; // never contacted: the redirect is read, not followed
let authUrl, verifier, clientInfo, tokens;
const provider = {
  get redirectUrl() { return callback; },
  get clientMetadata() {
    return { client_name: 'MCP TypeScript SDK', redirect_uris: [callback], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none' };
  },
  state() { return 'state-' + crypto.randomUUID(); },
  clientInformation() { return clientInfo; },
  saveClientInformation(i) { clientInfo = i; },
  tokens() { return tokens; },
  saveTokens(t) { tokens = t; },
  redirectToAuthorization(u) { authUrl = u; },
  saveCodeVerifier(v) { verifier = v; },
  codeVerifier() { return verifier; },
};
const url = new URL(base + '/mcp');
const out = {};
let transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
try {
  await new Client({ name: 'sdk-interop', version: '1' }).connect(transport);
  throw new Error('connected without authorization');
} catch (e) {
  if (!(e instanceof UnauthorizedError)) throw e;
}
const u = new URL(authUrl);
out.registered = !!clientInfo?.client_id;
out.resource = u.searchParams.get('resource');
out.challenge_method = u.searchParams.get('code_challenge_method');
out.page_status = (await fetch(authUrl)).status;
const res = await fetch(authUrl, { method: 'POST', redirect: 'manual',
  body: new URLSearchParams({ connection_code: code, decision: 'approve' }) });
const loc = new URL(res.headers.get('location'));
out.approval_status = res.status;
await transport.finishAuth(loc.searchParams.get('code'));
out.access_prefix = tokens.access_token.slice(0, 5);
out.refresh_prefix = tokens.refresh_token.slice(0, 5);
out.scope = tokens.scope;
transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
const client = new Client({ name: 'sdk-interop', version: '1' });
await client.connect(transport);
const tools = await client.listTools();
out.tools = tools.tools.map(t => t.name);
const r = await client.callTool({ name: 'get_store_overview', arguments: {} });
out.overview_error = !!r.isError;
out.store = r.structuredContent?.store?.domain;
await client.close();
console.log(JSON.stringify(out));
