// What a front end does with the Perfusion Partners API, through a client generated from the
// API's own OpenAPI document (openapi-typescript + openapi-fetch). CI generates src/api.d.ts from
// the served /openapi.json, type-checks this file with `tsc --strict`, then runs it against the
// release build. Any type error or failed check fails CI.
//
//   API_URL=http://127.0.0.1:8080 EDITOR_EMAIL=… EDITOR_PASSWORD=… node dist/main.js

import assert from "node:assert/strict";
import createClient from "openapi-fetch";
import type { components, paths } from "./api.js";

type ArticleSummary = components["schemas"]["ArticleSummary"];

const baseUrl = process.env.API_URL ?? "http://127.0.0.1:8080";
const editorEmail = process.env.EDITOR_EMAIL;
const editorPassword = process.env.EDITOR_PASSWORD;

const api = createClient<paths>({ baseUrl });
let checks = 0;
function check(what: string): void {
  checks += 1;
  console.log(`ok ${checks} - ${what}`);
}

async function readsArticlesPageByPage(): Promise<ArticleSummary> {
  const seen = new Set<string>();
  let cursor: string | undefined;
  let total = 0;
  let pages = 0;
  do {
    const { data, error, response } = await api.GET("/api/v1/articles", {
      params: { query: { limit: 2, ...(cursor ? { cursor } : {}) } },
    });
    assert.equal(response.status, 200, JSON.stringify(error));
    assert.ok(data);
    for (const a of data.data) {
      assert.ok(!seen.has(a.slug), `${a.slug} seen twice`);
      seen.add(a.slug);
      // Nullable fields are always present (null when empty), as the schema says.
      assert.ok("published_at" in a && "author" in a);
    }
    total = data.meta.total;
    cursor = data.meta.next_cursor ?? undefined;
    pages += 1;
  } while (cursor && pages < 50);
  assert.equal(seen.size, total, "following next_cursor reaches every article once");
  check(`listed ${total} articles in ${pages} pages by following next_cursor`);

  const { data } = await api.GET("/api/v1/articles", { params: { query: { limit: 1 } } });
  const first = data?.data[0];
  assert.ok(first, "there is a published article");
  return first;
}

async function readsOneArticle(summary: ArticleSummary): Promise<void> {
  const { data, response } = await api.GET("/api/v1/articles/{slug}", {
    params: { path: { slug: summary.slug } },
  });
  assert.equal(response.status, 200);
  assert.ok(data);
  assert.equal(data.data.slug, summary.slug);
  assert.ok(data.data.body_html.length > 0);
  assert.ok(response.headers.get("etag"), "an article has an ETag");
  check(`read "${data.data.title}"`);
}

async function readsStaffingAndAProjection(): Promise<void> {
  const stats = await api.GET("/api/v1/staffing-statistics");
  assert.equal(stats.response.status, 200);
  assert.ok(stats.data && stats.data.data.length > 0);
  for (const s of stats.data.data) {
    // `value` is a number or null, never absent.
    assert.ok(s.value === null || typeof s.value === "number", s.key);
  }
  // A figure is shown with its date as the API words it, and says why it is the figure.
  const certified = stats.data.data.find((s) => s.key === "certified_perfusionists");
  assert.ok(certified && certified.value !== null);
  const basis: "headline" | "newest" | null = certified.basis;
  assert.ok(basis === "headline" || basis === "newest");
  const shown = `${certified.value} (${certified.date_label ?? "no date"})`;
  assert.ok(certified.as_of !== null || certified.retrieved_at !== null, shown);
  check(`read ${stats.data.data.length} staffing statistics; shows ${shown}, ${basis}`);

  const projection = await api.GET("/api/v1/workforce/projection", {
    params: { query: { years: 10 } },
  });
  assert.equal(projection.response.status, 200, JSON.stringify(projection.error));
  assert.ok(projection.data);
  const series = projection.data.data.series;
  assert.ok(series.length >= 10, `a year-by-year series (${series.length} years)`);
  check("projected the workforce 10 years ahead");

  const bad = await api.GET("/api/v1/workforce/projection", {
    params: { query: { years: 0 } },
  });
  assert.equal(bad.response.status, 400);
  assert.equal(bad.response.headers.get("content-type"), "application/problem+json");
  check("a bad parameter is a problem naming it");
}

async function signsUp(): Promise<void> {
  const email = `front-end-${Date.now()}@example.org`;
  const { response } = await api.POST("/api/v1/subscriptions", {
    body: { email, topics: ["research", "education"] },
  });
  assert.equal(response.status, 202);
  check("signed up (a confirmation mail is on its way)");
}

async function editorPublishesADraft(): Promise<void> {
  if (!editorEmail || !editorPassword) {
    throw new Error("EDITOR_EMAIL and EDITOR_PASSWORD are needed for the editor's story");
  }
  const login = await api.POST("/api/v1/auth/token", {
    body: { email: editorEmail, password: editorPassword },
  });
  assert.equal(login.response.status, 200);
  assert.ok(login.data);
  const headers = { Authorization: `Bearer ${login.data.access_token}` };
  check("the editor got a token");

  const categories = await api.GET("/api/v1/categories");
  const category = categories.data?.data[0]?.slug;
  assert.ok(category, "there is a category");
  const title = `A draft from the typed client ${Date.now()}`;
  const created = await api.POST("/api/v1/articles", {
    headers,
    body: {
      title,
      excerpt: "Written by the TypeScript client test.",
      body_markdown: "Hello from **TypeScript**.",
      category,
      tags: ["client-test"],
    },
  });
  assert.equal(created.response.status, 201, JSON.stringify(created.error));
  assert.ok(created.data);
  const slug = created.data.data.slug;
  assert.equal(created.data.data.status, "draft");
  check(`created the draft ${slug}`);

  const hidden = await api.GET("/api/v1/articles/{slug}", { params: { path: { slug } } });
  assert.equal(hidden.response.status, 404, "the public does not see a draft");

  const read = await api.GET("/api/v1/articles/{slug}", {
    params: { path: { slug } },
    headers,
  });
  const etag = read.response.headers.get("etag");
  assert.ok(etag, "the editor reads the draft's ETag");

  const published = await api.PATCH("/api/v1/articles/{slug}", {
    params: { path: { slug }, header: { "If-Match": etag } },
    headers,
    body: { status: "published" },
  });
  assert.equal(published.response.status, 200, JSON.stringify(published.error));
  assert.equal(published.data?.data.status, "published");
  check("published it with If-Match");

  const stale = await api.PATCH("/api/v1/articles/{slug}", {
    params: { path: { slug }, header: { "If-Match": etag } },
    headers,
    body: { excerpt: "An edit over a stale copy." },
  });
  assert.equal(stale.response.status, 412, "a stale If-Match is refused");
  check("a stale If-Match is refused with 412");

  const seen = await api.GET("/api/v1/articles/{slug}", { params: { path: { slug } } });
  assert.equal(seen.response.status, 200, "the public sees it now");
  assert.equal(seen.data?.data.title, title);
  check("the public reads the published article");
}

const first = await readsArticlesPageByPage();
await readsOneArticle(first);
await readsStaffingAndAProjection();
await signsUp();
await editorPublishesADraft();
console.log(`${checks} passed, 0 failed`);
