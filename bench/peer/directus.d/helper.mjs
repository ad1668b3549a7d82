// Helper of bench/peer/directus, run with the Node 22 installed beside Directus.
//
//   node helper.mjs db-state   DIR   -> ensures the `directus` schema; prints `installed` or `fresh`
//   node helper.mjs adopt      BASE  -> registers `articles`, grants the Public policy read on it
//   node helper.mjs probe      BASE SORT -> prints `SLUG COUNT` (newest published slug, published rows)
//   node helper.mjs free-port        -> prints a free TCP port on 127.0.0.1
//
// Settings come from the environment that the script also gives Directus
// (DB_CONNECTION_STRING, DIRECTUS_SCHEMA, ADMIN_EMAIL, ADMIN_PASSWORD).
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';

// Directus' fixed id of the Public policy (migration 20240806A-permissions-policies).
const PUBLIC_POLICY = 'abf8a154-5b1c-4a46-ac9c-7300570f4f17';
// Columns no client needs: hidden in Directus' app. (A grant limited to some fields is a
// licensed feature in Directus 12 — "custom_permission_rules_enabled is a restricted
// resource" — so the grant is on every field, and the benchmark's requests name theirs.)
const HIDDEN = ['search'];

const [cmd, arg, arg2] = process.argv.slice(2);

function die(msg) {
  process.stderr.write(`${msg}\n`);
  process.exit(1);
}

async function dbState(dir) {
  const require = createRequire(join(dir, 'package.json'));
  const { Client } = require('pg');
  const schema = process.env.DIRECTUS_SCHEMA || 'directus';
  const client = new Client({ connectionString: process.env.DB_CONNECTION_STRING });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, '""')}"`);
    // Installed = every migration this Directus ships is applied and the admin exists.
    const migDir = join(dir, 'node_modules/@directus/api/dist/database/migrations');
    const latest = readdirSync(migDir)
      .filter((f) => /^\d{8}[A-Z]-.*\.js$/.test(f))
      .map((f) => f.split('-')[0])
      .sort()
      .pop();
    const t = await client.query(
      `SELECT to_regclass($1) AS m, to_regclass($2) AS u`,
      [`"${schema}".directus_migrations`, `"${schema}".directus_users`],
    );
    if (!t.rows[0].m || !t.rows[0].u) return 'fresh';
    const m = await client.query(
      `SELECT 1 FROM "${schema}".directus_migrations WHERE version = $1`, [latest]);
    const u = await client.query(
      `SELECT 1 FROM "${schema}".directus_users WHERE email = $1`, [process.env.ADMIN_EMAIL]);
    return m.rowCount && u.rowCount ? 'installed' : 'fresh';
  } finally {
    await client.end();
  }
}

async function api(base, token, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

function must(r, what) {
  if (r.status >= 300) die(`${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}

async function adopt(base) {
  const login = must(await api(base, null, 'POST', '/auth/login', {
    email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD,
  }), 'login');
  const token = login.data.access_token;

  // An existing table shows up as a collection with `meta: null` ("not managed");
  // giving it a meta row adopts it. POST /collections with `schema: null` is for
  // folders and refuses a name that a table already has.
  const col = await api(base, token, 'GET', '/collections/articles');
  if (col.status !== 200) die(`GET /collections/articles: HTTP ${col.status} ${col.text.slice(0, 300)}`);
  if (!col.json.data.meta) {
    must(await api(base, token, 'PATCH', '/collections/articles', {
      meta: { note: 'perfusion-api articles, adopted by bench/peer/directus', accountability: null },
    }), 'adopt articles');
  }

  // The tsvector column: hidden in the app.
  const fields = must(await api(base, token, 'GET', '/fields/articles'), 'fields').data;
  for (const f of fields) {
    if (HIDDEN.includes(f.field) && !(f.meta && f.meta.hidden)) {
      must(await api(base, token, 'PATCH', `/fields/articles/${f.field}`, {
        meta: { hidden: true, readonly: true },
      }), `hide ${f.field}`);
    }
  }
  const readable = ['*'];

  // Directus 11+: permissions belong to policies; the Public policy is what anonymous
  // requests get. One read permission on articles, updated in place when it exists.
  const q = `/permissions?filter[policy][_eq]=${PUBLIC_POLICY}&filter[collection][_eq]=articles` +
    `&filter[action][_eq]=read&fields=id,fields,permissions`;
  const existing = must(await api(base, token, 'GET', q), 'list permissions').data;
  const want = { fields: readable, permissions: {}, validation: {} };
  if (existing.length === 0) {
    must(await api(base, token, 'POST', '/permissions', {
      policy: PUBLIC_POLICY, collection: 'articles', action: 'read', ...want,
    }), 'grant public read');
  } else {
    const p = existing[0];
    const same = JSON.stringify([...(p.fields || [])].sort()) === JSON.stringify(readable) &&
      JSON.stringify(p.permissions || {}) === '{}';
    if (!same) must(await api(base, token, 'PATCH', `/permissions/${p.id}`, want), 'update grant');
    for (const extra of existing.slice(1)) {
      must(await api(base, token, 'DELETE', `/permissions/${extra.id}`), 'drop duplicate grant');
    }
  }
  // Log out so the session row does not linger (best effort).
  await api(base, token, 'POST', '/auth/logout', { refresh_token: login.data.refresh_token });

  // Anonymous check.
  const anon = await api(base, null, 'GET', '/items/articles?limit=1&fields=id');
  if (anon.status !== 200 || !Array.isArray(anon.json?.data)) {
    die(`anonymous read of articles: HTTP ${anon.status} ${anon.text.slice(0, 300)}`);
  }
}

async function probe(base, sort) {
  const f = 'filter%5Bstatus%5D%5B_eq%5D=published';
  const newest = must(await api(base, null, 'GET',
    `/items/articles?${f}&sort=${encodeURIComponent(sort)}&limit=1&fields=slug`), 'newest').data;
  const count = must(await api(base, null, 'GET',
    `/items/articles?${f}&aggregate%5Bcount%5D=*`), 'count').data;
  if (!newest.length) die('no published article');
  process.stdout.write(`${newest[0].slug} ${Number(count[0].count)}\n`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

try {
  switch (cmd) {
    case 'db-state': process.stdout.write(`${await dbState(arg)}\n`); break;
    case 'adopt': await adopt(arg); break;
    case 'probe': await probe(arg, arg2 || '-listed_at,-id'); break;
    case 'free-port': process.stdout.write(`${await freePort()}\n`); break;
    default: die(`unknown command ${cmd}`);
  }
} catch (e) {
  die(`${cmd}: ${e && e.message ? e.message : e}`);
}
