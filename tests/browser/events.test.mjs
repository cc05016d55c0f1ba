// GET /events in a real browser: Debian's Chromium, driven by playwright-core, against the release
// binary on SQLite. A page of the service's own origin (/docs) follows the change feed with
// EventSource and sees the changes made through the API arrive; the server is then stopped, a
// change is made while it is down (by another server on the same database), and the server is
// started again on the same port: the browser reconnects by itself with Last-Event-ID and receives
// that change. A page of another origin does the same (CORS). With --api-token, EventSource is
// refused and the fetch() reader of docs/events-browser.md (run as written there) follows the
// stream instead, from the service's page and from another origin (its headers preflighted).
// The /docs page lists the operation, its description (text/event-stream, Last-Event-ID) and
// the media type of its answer.
//
// Screenshot in USERTASKS_ARTIFACTS: docs-events.png (GET /events on /docs). Run by ctest (label
// browser): harness.mjs lists the environment.

import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifacts, cleanUp, launchBrowser, openPage, startServer } from "./harness.mjs";

const eventTypes = ["user.created", "user.updated", "user.deleted", "task.created", "task.updated",
                    "task.deleted", "tag.created", "tag.updated", "tag.deleted"];

// What Chromium logs while a stopped server refuses connections, and for a 401 answer.
const refused = /ERR_CONNECTION_REFUSED/;
const unauthorized = /status of 401/;

// Bounded waits: long enough for a loaded machine, never asserted as durations.
const patience = { timeout: 30000 };

// JSON over HTTP from Node, with the token when one is given; resolves to { status, body }.
async function call(base, method, route, body, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// In the page: an EventSource on `url` whose named events, opens and errors are kept in
// window.feeds[name]; an unnamed "message" is counted (the feed sends none).
async function follow(page, name, url) {
  await page.evaluate(([name, url, types]) => {
    const feed = { events: [], opens: 0, errors: 0, messages: 0 };
    const source = new EventSource(url);
    for (const type of types) {
      source.addEventListener(type, (e) =>
        feed.events.push({ type: e.type, id: e.lastEventId, data: JSON.parse(e.data) }));
    }
    source.addEventListener("message", () => feed.messages++);
    source.addEventListener("open", () => feed.opens++);
    source.addEventListener("error", () => feed.errors++);
    window.feeds = { ...window.feeds, [name]: feed };
    window.sources = { ...window.sources, [name]: source };
  }, [name, url, eventTypes]);
}

// The state of feed `name`: its events so far, counts and the EventSource's readyState.
function feedState(page, name) {
  return page.evaluate(
    (name) => ({ ...window.feeds[name], state: window.sources[name].readyState }), name);
}

// Waits (bounded) until feed `name` has at least `count` events, and returns its state; when
// they do not come, fails with the feed's state and the page's `problems` (its console errors).
async function eventsArrive(page, name, count, problems = []) {
  try {
    await page.waitForFunction(([name, count]) => window.feeds[name].events.length >= count,
                               [name, count], patience);
  } catch (error) {
    const state = JSON.stringify(await feedState(page, name));
    throw new Error(`${name}: fewer than ${count} events arrived: ${state}; the page's problems: ` +
                    `${JSON.stringify(problems)}`, { cause: error });
  }
  return feedState(page, name);
}

// The /events requests the page makes; sent() resolves to the Last-Event-ID each carried, in
// order (null: none). allHeaders(): the header is added below the page, by the network stack.
function recordFeedRequests(page, base) {
  const requests = [];
  page.on("request", (request) => {
    const url = request.url();
    if (url.startsWith(`${base}/events`)) {
      requests.push({ url, headers: request.allHeaders() });
    }
  });
  return async (url) => {
    const chosen = url === undefined ? requests : requests.filter((r) => r.url === url);
    const all = await Promise.all(chosen.map((r) => r.headers));
    return all.map((headers) => headers["last-event-id"] ?? null);
  };
}

// Makes changes on the database of `name` while its server is stopped, through another server on
// the same database (another port), so that the only way a browser can learn of them is to ask
// for the events after the last id it has.
async function changeWhileDown(name, extraArgs, change) {
  const other = await startServer(name, extraArgs);
  try {
    return await change(other.base);
  } finally {
    assert.equal(await other.stop(), 0);
  }
}

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  cleanUp();
});

test("/docs lists GET /events and says how a browser follows it", async () => {
  const { base } = await startServer("docs-events");
  const { context, page, problems } = await openPage(browser, base);
  try {
    assert.equal((await page.goto(`${base}/docs`)).status(), 200);
    const block = page.locator(".opblock.opblock-get", {
      has: page.locator('.opblock-summary-path[data-path="/events"]'),
    });
    await block.waitFor(patience);
    assert.equal(await block.count(), 1);
    assert.notEqual((await block.locator(".opblock-summary-description").innerText()).trim(), "");

    await block.locator(".opblock-summary").first().click();
    await block.locator(".opblock-body").waitFor(patience);
    // The operation's description (Markdown in the document), shown under its summary.
    const wrapper = block.locator(".opblock-description-wrapper");
    const description = (await wrapper.count()) > 0 ? await wrapper.innerText() : "";
    const shown = `the description shown: ${JSON.stringify(description)}`;
    assert.match(description, /text\/event-stream/, shown);
    assert.match(description, /Last-Event-ID/, shown);
    // And the success answer's media type, which a client generated from the document reads.
    const success = await block.locator('tr.response[data-code="200"]').innerText();
    assert.match(success, /text\/event-stream/, `the 200 answer shown: ${JSON.stringify(success)}`);
    await block.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, "docs-events.png") });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("changes reach the page's EventSource, which catches up after a restart", async () => {
  const args = ["--events-heartbeat-s", "1"];
  let server = await startServer("feed", args);
  const { base, port } = server;
  const { context, page, problems } = await openPage(browser, base, {
    allowedErrors: refused,
    intercept: false,
  });
  const sentIds = recordFeedRequests(page, base);
  try {
    assert.equal((await page.goto(`${base}/docs`)).status(), 200);
    await follow(page, "all", "/events");
    await follow(page, "tasks", "/events?types=task.created,task.deleted");
    await page.waitForFunction(() => window.feeds.all.opens === 1 && window.feeds.tasks.opens === 1,
                               null, patience);

    // A change made by the page itself.
    const user = await page.evaluate(async () => {
      const res = await fetch("/users", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: "Ada Lovelace", email: "ada@example.com" }),
      });
      return { status: res.status, body: await res.json() };
    });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    let all = await eventsArrive(page, "all", 1, problems);
    const [created] = all.events;
    assert.equal(created.type, "user.created");
    assert.deepEqual(created.data, user.body);
    assert.match(created.id, /^[1-9][0-9]*$/);
    const first = Number(created.id);

    // One made by another client.
    const task = await call(base, "POST", `/users/${user.body.id}/tasks`, { content: "Notes" });
    assert.equal(task.status, 201);
    all = await eventsArrive(page, "all", 2, problems);
    assert.deepEqual(all.events[1],
                     { type: "task.created", id: String(first + 1), data: task.body });
    let tasks = await eventsArrive(page, "tasks", 1, problems);
    assert.deepEqual(tasks.events, [all.events[1]]);

    // The server stops: each stream ends and the browser starts reconnecting.
    assert.equal(await server.stop(), 0);
    await page.waitForFunction(
      () => Object.values(window.sources).every((s) => s.readyState === 0) &&
            Object.values(window.feeds).every((f) => f.errors >= 1),
      null, patience);

    // Changes while no server listens on the page's port.
    const renamed = await changeWhileDown("feed", args, async (other) => {
      const patched = await call(other, "PATCH", `/users/${user.body.id}`, { name: "Ada King" });
      assert.equal(patched.status, 200);
      assert.equal((await call(other, "DELETE", `/tasks/${task.body.id}`)).status, 204);
      return patched.body;
    });
    assert.equal((await feedState(page, "all")).events.length, 2);

    // The server is back on the same port: both streams resume from their last id.
    server = await startServer("feed", args, { port });
    all = await eventsArrive(page, "all", 4, problems);
    assert.deepEqual(all.events.slice(2), [
      { type: "user.updated", id: String(first + 2), data: renamed },
      { type: "task.deleted", id: String(first + 3),
        data: { id: task.body.id, user_id: user.body.id } },
    ]);
    tasks = await eventsArrive(page, "tasks", 2, problems);
    assert.deepEqual(tasks.events, [all.events[1], all.events[3]]);
    for (const feed of [all, tasks]) {
      assert.equal(feed.opens, 2);
      assert.equal(feed.state, 1, "open");
    }
    // Every request after each stream's first sent the id of the last event it had received.
    for (const url of [`${base}/events`, `${base}/events?types=task.created,task.deleted`]) {
      const sent = await sentIds(url);
      assert.ok(sent.length >= 2, `${url}: ${JSON.stringify(sent)}`);
      assert.deepEqual(sent, [null, ...sent.slice(1).map(() => String(first + 1))], url);
    }

    // And the live changes go on.
    const second = await call(base, "POST", `/users/${user.body.id}/tasks`, { content: "Again" });
    all = await eventsArrive(page, "all", 5, problems);
    assert.deepEqual(all.events[4],
                     { type: "task.created", id: String(first + 4), data: second.body });
    tasks = await eventsArrive(page, "tasks", 3, problems);
    assert.deepEqual(tasks.events[2], all.events[4]);

    // Heartbeats (every second here) are comments: no unnamed events, nothing else arrived.
    for (const name of ["all", "tasks"]) {
      const feed = await feedState(page, name);
      assert.equal(feed.messages, 0, name);
      assert.equal(feed.events.length, name === "all" ? 5 : 3, name);
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// A page of another origin: what a web application served elsewhere looks like to the service.
async function startOtherOrigin() {
  const server = http.createServer((req, res) => {
    res.writeHead(req.url === "/" ? 200 : 204, { "Content-Type": "text/html; charset=utf-8" });
    res.end(req.url === "/" ? "<!doctype html><title>elsewhere</title>" : "");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

test("a page of another origin follows the feed (CORS), across a restart too", async () => {
  let server = await startServer("cross-origin");
  const { base, port } = server;
  const elsewhere = await startOtherOrigin();
  const { context, page, problems } = await openPage(browser, base, {
    allowedErrors: refused,
    intercept: false,
    origins: [elsewhere.origin],
  });
  const sentIds = recordFeedRequests(page, base);
  try {
    await page.goto(`${elsewhere.origin}/`);
    await follow(page, "cross", `${base}/events`);
    await page.waitForFunction(() => window.feeds.cross.opens === 1, null, patience);
    const user = await call(base, "POST", "/users", { name: "Ada", email: "ada@example.com" });
    let cross = await eventsArrive(page, "cross", 1, problems);
    assert.deepEqual(cross.events[0].data, user.body);
    const first = Number(cross.events[0].id);

    assert.equal(await server.stop(), 0);
    const gone = await changeWhileDown("cross-origin", [], async (other) => {
      assert.equal((await call(other, "DELETE", `/users/${user.body.id}`)).status, 204);
    });
    assert.equal(gone, undefined);
    server = await startServer("cross-origin", [], { port });
    cross = await eventsArrive(page, "cross", 2, problems);
    assert.deepEqual(cross.events[1],
                     { type: "user.deleted", id: String(first + 1), data: { id: user.body.id } });
    assert.equal(cross.opens, 2);
    const sent = await sentIds();
    assert.equal(sent[0], null);
    assert.equal(sent.at(-1), String(first));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    elsewhere.close();
  }
});

// The function docs/events-browser.md shows for following the stream with fetch().
function documentedReader() {
  const text = readFileSync(new URL("../../docs/events-browser.md", import.meta.url), "utf8");
  const block = [...text.matchAll(/```js\n([\s\S]*?)```/g)]
    .map((m) => m[1])
    .find((code) => code.includes("async function followEvents("));
  assert.ok(block, "docs/events-browser.md has no followEvents()");
  return `${block}\nwindow.followEvents = followEvents;\n`;
}

// From the service's own page, and from a page of another origin, where the reader's token and
// Last-Event-ID make the browser ask first (a CORS preflight) whether it may send them.
for (const crossOrigin of [false, true]) {
  const where = crossOrigin ? "a page of another origin" : "the service's page";
  test(`with --api-token, EventSource gets 401; the documented fetch() reader follows (${where})`,
       async () => { await followWithToken(crossOrigin); });
}

async function followWithToken(crossOrigin) {
  const token = "events-browser-token";
  const args = ["--api-token", token];
  const name = crossOrigin ? "token-feed-cross" : "token-feed";
  let server = await startServer(name, args);
  const { base, port } = server;
  const elsewhere = crossOrigin ? await startOtherOrigin() : null;
  const { context, page, problems } = await openPage(browser, base, {
    allowedErrors: new RegExp(`${refused.source}|${unauthorized.source}`),
    intercept: false,
    origins: crossOrigin ? [elsewhere.origin] : [],
  });
  const sentIds = recordFeedRequests(page, base);
  const feedUrl = crossOrigin ? `${base}/events` : "/events";
  try {
    // Page scripts may come from the service only (CSP); an init script is the test's own.
    await context.addInitScript({ content: documentedReader() });
    const opened = await page.goto(crossOrigin ? `${elsewhere.origin}/` : `${base}/docs`);
    assert.equal(opened.status(), 200);

    // EventSource cannot send the token: 401, and the browser gives up.
    await follow(page, "plain", feedUrl);
    await page.waitForFunction(() => window.sources.plain.readyState === 2, null, patience);
    assert.equal((await feedState(page, "plain")).opens, 0);

    // A wrong token is an error, not a retry.
    const wrong = await page.evaluate((url) =>
      followEvents(url, { token: "wrong", onEvent: () => {},
                          signal: new AbortController().signal })
        .then(() => "returned", (error) => String(error)), feedUrl);
    assert.match(wrong, /401/);

    const user = await call(base, "POST", "/users", { name: "Grace", email: "grace@example.com" },
                            token);
    assert.equal(user.status, 201);
    // From the first event on (Last-Event-ID: 0), so that the user made before is sent too.
    await page.evaluate(([url, token]) => {
      window.feeds = { ...window.feeds, fetched: { events: [] } };
      window.sources = { ...window.sources, fetched: { readyState: -1 } };
      window.stopFetched = new AbortController();
      followEvents(url, {
        token,
        lastEventId: "0",
        signal: window.stopFetched.signal,
        onEvent: (event) => window.feeds.fetched.events.push(event),
      }).then(() => { window.feeds.fetched.ended = "returned"; },
              (error) => { window.feeds.fetched.ended = String(error); });
    }, [feedUrl, token]);
    let fetched = await eventsArrive(page, "fetched", 1, problems);
    assert.deepEqual(fetched.events[0].data, user.body);
    assert.equal(fetched.events[0].type, "user.created");
    const first = Number(fetched.events[0].id);
    assert.ok(first >= 1);

    // Stopped, changed meanwhile, started again on the same port: the reader resumes.
    assert.equal(await server.stop(), 0);
    const patched = await changeWhileDown(name, args, async (other) => {
      const res = await call(other, "PATCH", `/users/${user.body.id}`, { name: "Grace Hopper" },
                             token);
      assert.equal(res.status, 200);
      return res.body;
    });
    server = await startServer(name, args, { port });
    fetched = await eventsArrive(page, "fetched", 2, problems);
    assert.deepEqual(fetched.events[1], { type: "user.updated", id: String(first + 1),
                                          data: patched });
    const live = await call(base, "POST", "/tags", { name: "home" }, token);
    assert.equal(live.status, 201);
    fetched = await eventsArrive(page, "fetched", 3, problems);
    assert.deepEqual(fetched.events[2], { type: "tag.created", id: String(first + 2),
                                          data: live.body });

    await page.evaluate(() => window.stopFetched.abort());
    await page.waitForFunction(() => window.feeds.fetched.ended !== undefined, null, patience);
    assert.equal((await feedState(page, "fetched")).ended, "returned");
    // The reader's reconnection sent the last id it had.
    const sent = await sentIds();
    assert.ok(sent.includes(String(first)), JSON.stringify(sent));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    elsewhere?.close();
  }
}
