// GET /docs in a real browser: Debian's Chromium, driven by playwright-core, against the release
// binary serving a fresh SQLite database. A person's steps: open the page, "Try it out" on
// POST /users and then on POST /users/{id}/tasks, read the answers the page shows. The records are
// then read back over plain HTTP. Any console error, or any request to a host other than the test
// server, fails the test. A screenshot is kept in USERTASKS_ARTIFACTS.
//
// Screenshots in USERTASKS_ARTIFACTS: docs-overview.png (the page as opened), docs.png (the task
// created), docs-authorize.png. Run by ctest (label browser): harness.mjs lists the environment.

import path from "node:path";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifacts, cleanUp, launchBrowser, openPage, startServer } from "./harness.mjs";

// The operation block of `method path`, expanded and in "Try it out" mode.
async function tryItOut(page, method, route) {
  const block = page.locator(`.opblock.opblock-${method}`, {
    has: page.locator(`.opblock-summary-path[data-path="${route}"]`),
  });
  await block.locator(".opblock-summary").first().click();
  await block.locator("button.try-out__btn").click();
  return block;
}

// Executes the operation of `block` and returns the status and body the page shows.
async function execute(block) {
  await block.locator("button.execute").click();
  const response = block.locator(".live-responses-table tbody .response").first();
  await response.waitFor({ timeout: 15000 });
  const status = (await response.locator(".response-col_status").innerText()).trim();
  const body = await response.locator(".response-col_description pre").first().innerText();
  return { status: Number(status), body: JSON.parse(body) };
}

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  cleanUp();
});

test("a user and a task are created through /docs", async () => {
  const { base } = await startServer("create");
  const { context, page, problems } = await openPage(browser, base);
  try {
    const answer = await page.goto(`${base}/docs`);
    assert.equal(answer.status(), 200);
    assert.match(answer.headers()["content-security-policy"], /script-src 'self'/);
    await page.locator(".opblock").first().waitFor({ timeout: 15000 });
    // Every route of the document is on the page.
    const spec = await (await fetch(`${base}/openapi.json`)).json();
    const operations = Object.values(spec.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    assert.equal(await page.locator(".opblock").count(), operations);
    await page.screenshot({ path: path.join(artifacts, "docs-overview.png") });

    const createUser = await tryItOut(page, "post", "/users");
    await createUser
      .locator("textarea.body-param__text")
      .fill(JSON.stringify({ name: "Ada Lovelace", email: "ada@example.com" }, null, 2));
    const user = await execute(createUser);
    assert.equal(user.status, 201);
    assert.equal(user.body.name, "Ada Lovelace");
    assert.equal(user.body.email, "ada@example.com");
    assert.ok(Number.isInteger(user.body.id) && user.body.id > 0, JSON.stringify(user.body));

    const createTask = await tryItOut(page, "post", "/users/{id}/tasks");
    await createTask.locator('tr[data-param-name="id"] input').fill(String(user.body.id));
    await createTask
      .locator("textarea.body-param__text")
      .fill(JSON.stringify({ content: "Write the first program" }, null, 2));
    const task = await execute(createTask);
    assert.equal(task.status, 201);
    assert.equal(task.body.content, "Write the first program");
    assert.equal(task.body.user_id, user.body.id);
    assert.equal(task.body.done, false);

    await createTask.locator(".live-responses-table").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, "docs.png") });

    // The records are there for any client.
    const storedUser = await (await fetch(`${base}/users/${user.body.id}`)).json();
    assert.equal(storedUser.email, "ada@example.com");
    assert.deepEqual(storedUser.tasks.map((t) => t.id), [task.body.id]);
    const storedTask = await fetch(`${base}/tasks/${task.body.id}`);
    assert.equal(storedTask.status, 200);
    assert.equal((await storedTask.json()).content, "Write the first program");

    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("with --api-token the page loads without it and calls the API with the one authorized", async () => {
  const token = "browser-test-token";
  const { base } = await startServer("token", ["--api-token", token]);
  const { context, page, problems } = await openPage(browser, base);
  try {
    assert.equal((await page.goto(`${base}/docs`)).status(), 200);
    await page.locator(".opblock").first().waitFor({ timeout: 15000 });

    await page.locator(".auth-wrapper button.authorize").click();
    await page.locator(".auth-container input#auth-bearer-value").fill(token);
    await page.locator(".auth-container button.authorize").click();
    // Authorized: the dialog offers to log out instead.
    await page.locator(".auth-container button", { hasText: "Logout" }).waitFor();
    await page.locator(".auth-container button.btn-done").click();

    const createUser = await tryItOut(page, "post", "/users");
    await createUser
      .locator("textarea.body-param__text")
      .fill(JSON.stringify({ name: "Grace Hopper", email: "grace@example.com" }));
    const user = await execute(createUser);
    assert.equal(user.status, 201, JSON.stringify(user.body));
    await page.screenshot({ path: path.join(artifacts, "docs-authorize.png") });

    const without = await fetch(`${base}/users/${user.body.id}`);
    assert.equal(without.status, 401);
    const withToken = await fetch(`${base}/users/${user.body.id}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal((await withToken.json()).email, "grace@example.com");

    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("the page's files: types, caching, validators, no token", async () => {
  const { base } = await startServer("headers", ["--api-token", "headers-token"]);
  const page = await fetch(`${base}/docs`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(page.headers.get("cache-control"), "no-cache");
  assert.match(page.headers.get("content-security-policy"), /default-src 'none'/);
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  const etag = page.headers.get("etag");
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  const html = await page.text();

  const again = await fetch(`${base}/docs`, { headers: { "If-None-Match": etag } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), "");

  const types = { ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                  ".png": "image/png" };
  const linked = [...html.matchAll(/(?:href|src)="docs\/([^"]+)"/g)].map((m) => m[1]);
  assert.ok(linked.length >= 5, html);
  for (const name of linked) {
    const res = await fetch(`${base}/docs/${name}`);
    assert.equal(res.status, 200, name);
    if (name === "third-party-licenses.txt") {
      assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.match(await res.text(), /Apache License/);
      continue;
    }
    assert.match(name, /\.[0-9a-f]{16}\.[a-z]+$/, "a content-addressed name");
    assert.equal(res.headers.get("content-type"), types[path.extname(name)], name);
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable", name);
    const tag = res.headers.get("etag");
    assert.equal(tag, `"${name.split(".").at(-2)}"`, name);
    await res.arrayBuffer();
    const revalidated = await fetch(`${base}/docs/${name}`, { headers: { "If-None-Match": `W/${tag}` } });
    assert.equal(revalidated.status, 304, name);
  }

  const slash = await fetch(`${base}/docs/`, { redirect: "manual" });
  assert.equal(slash.status, 301);
  assert.equal(new URL(slash.headers.get("location"), `${base}/docs/`).href, `${base}/docs`);
  const missing = await fetch(`${base}/docs/swagger-ui-bundle.js`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get("content-type"), "application/problem+json");
  assert.equal((await fetch(`${base}/docs/index.html`)).status, 404);
  assert.equal((await fetch(`${base}/openapi.json`)).status, 200);
  assert.equal((await fetch(`${base}/users`)).status, 401);
});
