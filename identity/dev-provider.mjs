// The development OpenID provider: oidc-provider seeded from config/identity/development.json.
//
//   node identity/dev-provider.mjs            (make run starts it under circus)
//
// Environment: IOP_IDENTITY_PORT (8090), IOP_IDENTITY_ISSUER (http://127.0.0.1:<port>),
// IOP_IDENTITY_SEED (the seed file). Refuses to start with IOP_ENV=production: production uses
// the network's own provider.
//
// Access tokens are JWTs (RS256, the seed's signing key, so they stay valid across restarts) for
// the one resource server, audience "iop", carrying roles, sites, name and preferred_username.
// Staff sign in on a plain HTML form; first-party clients (every client in the seed) get no
// consent screen. Each request is logged to stdout as one JSON line.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import Provider, { errors } from 'oidc-provider';

const here = dirname(fileURLToPath(import.meta.url));

if ((process.env.IOP_ENV || '').toLowerCase() === 'production') {
  console.error('dev-provider: refused with IOP_ENV=production; configure the network\'s OpenID provider.');
  process.exit(2);
}

const port = Number(process.env.IOP_IDENTITY_PORT || 8090);
const host = process.env.IOP_IDENTITY_HOST || '127.0.0.1';
const issuer = process.env.IOP_IDENTITY_ISSUER || `http://127.0.0.1:${port}`;
const seedPath = process.env.IOP_IDENTITY_SEED || resolve(here, '..', 'config', 'identity', 'development.json');
const seed = JSON.parse(readFileSync(seedPath, 'utf8'));

const AUDIENCE = seed.audience || 'iop';
const RESOURCE = seed.resource || 'urn:iop:api';
const RESOURCE_SCOPE = 'iop';
const users = new Map(seed.users.map((user) => [user.sub, user]));
const usersByName = new Map(seed.users.map((user) => [user.username, user]));
const machineClients = new Map(seed.clients.map((client) => [client.client_id, client]));

// The claims a service reads, for a person or for a machine client.
function personClaims(user) {
  return {
    name: user.name, preferred_username: user.username, roles: user.roles, sites: user.sites,
  };
}

function clientClaims(client) {
  return { name: client.client_name, roles: client.roles || [], sites: client.sites || [] };
}

const oidcClients = seed.clients.map((client) => {
  const { roles, sites, ...metadata } = client; // eslint-disable-line no-unused-vars
  return metadata;
});

const configuration = {
  clients: oidcClients,
  jwks: { keys: seed.signing_keys },
  cookies: { keys: seed.cookie_keys },
  scopes: ['openid', 'profile', 'email', 'offline_access', RESOURCE_SCOPE],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'roles', 'sites'],
    email: ['email'],
  },
  pkce: { required: () => true },
  ttl: {
    AccessToken: seed.access_token_ttl_s || 3600,
    ClientCredentials: seed.access_token_ttl_s || 3600,
    IdToken: 3600,
    Interaction: 600,
    Session: 8 * 3600,
    Grant: 8 * 3600,
    RefreshToken: 8 * 3600,
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resourceIndicator) => {
        if (resourceIndicator !== RESOURCE) throw new errors.InvalidTarget();
        return {
          scope: RESOURCE_SCOPE,
          audience: AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: seed.access_token_ttl_s || 3600,
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  async findAccount(ctx, sub) {
    const user = users.get(sub);
    if (!user) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: user.email, ...personClaims(user) };
      },
    };
  },
  // Roles, sites and names in the access token itself: services verify it offline.
  async extraTokenClaims(ctx, token) {
    if (token.accountId) {
      const user = users.get(token.accountId);
      return user ? personClaims(user) : undefined;
    }
    const client = machineClients.get(token.clientId);
    return client ? clientClaims(client) : undefined;
  },
  // First-party clients: grant what they ask for, without a consent screen.
  async loadExistingGrant(ctx) {
    const { client, session } = ctx.oidc;
    const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope('openid profile email offline_access');
    grant.addResourceScope(RESOURCE, RESOURCE_SCOPE);
    await grant.save();
    session.grantIdFor(client.clientId, grant.jti);
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Sign-in error', `<p>${escape(out.error)}: ${escape(out.error_description || '')}</p>`);
  },
};

const provider = new Provider(issuer, configuration);
if (issuer.startsWith('https://')) provider.proxy = true;

function escape(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><h1>${escape(title)}</h1>${body}<p><small>IOP development identity provider</small></p></body></html>`;
}

function loginForm(uid, clientName, message) {
  return page('Sign in to IOP', `${message ? `<p role="alert">${escape(message)}</p>` : ''}
<p>Signing in to ${escape(clientName)}.</p>
<form method="post" action="/interaction/${escape(uid)}/login" autocomplete="off">
  <label>Username <input name="username" required autofocus></label>
  <label>Password <input name="password" type="password" required></label>
  <button type="submit">Sign in</button>
</form>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}

// The interaction pages: the login form, its submission, and consent (granted at once).
async function interaction(req, res, url) {
  const match = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!match) return send(res, 404, page('Not found', ''));
  const details = await provider.interactionDetails(req, res);
  const client = await provider.Client.find(details.params.client_id);
  const clientName = client?.clientName || details.params.client_id;
  if (details.prompt.name === 'consent') {
    const grant = details.grantId ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (req.method === 'GET' && !match[2]) return send(res, 200, loginForm(details.uid, clientName));
  if (req.method !== 'POST' || !match[2]) return send(res, 405, page('Method not allowed', ''));
  const form = await readForm(req);
  const user = usersByName.get(form.get('username') || '');
  if (!user || user.password !== form.get('password')) {
    return send(res, 401, loginForm(details.uid, clientName, 'Unknown username or wrong password.'));
  }
  return provider.interactionFinished(req, res, { login: { accountId: user.sub } },
    { mergeWithLastSubmission: false });
}

const oidc = provider.callback();
const server = createServer((req, res) => {
  const url = new URL(req.url, issuer);
  process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), method: req.method, path: url.pathname })}\n`);
  if (url.pathname.startsWith('/interaction/')) {
    interaction(req, res, url).catch((error) => {
      console.error(JSON.stringify({ error: error.message, path: url.pathname }));
      if (!res.headersSent) send(res, error.statusCode || 500, page('Sign-in error', `<p>${escape(error.message)}</p>`));
    });
    return;
  }
  oidc(req, res);
});

server.listen(port, host, () => {
  console.log(JSON.stringify({ message: 'development OpenID provider listening', issuer, port, host }));
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
