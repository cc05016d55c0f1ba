// What the browser tests share: the environment ctest sets, Debian's Chromium driven by
// playwright-core, `usertasks serve` processes on SQLite databases in a scratch directory, and
// pages that fail the test on a console error or a request to another host.
//
// ctest (label browser) sets:
//   USERTASKS_BINARY         the usertasks binary
//   USERTASKS_ARTIFACTS      where to write screenshots
//   USERTASKS_NODE_MODULES   the node_modules with playwright-core (npm ci in the build directory)
//   CHROMIUM                 the browser (default /usr/bin/chromium)

import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import assert from "node:assert/strict";

export const binary = process.env.USERTASKS_BINARY;
export const artifacts = process.env.USERTASKS_ARTIFACTS;
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
assert.ok(binary && existsSync(binary), `USERTASKS_BINARY must name the binary (${binary})`);
assert.ok(artifacts, "USERTASKS_ARTIFACTS must name a directory");
assert.ok(existsSync(chromiumPath), `no browser at ${chromiumPath}: apt-get install chromium`);

const { chromium } = await import(
  process.env.USERTASKS_NODE_MODULES
    ? pathToFileURL(path.join(process.env.USERTASKS_NODE_MODULES, "playwright-core", "index.mjs"))
        .href
    : "playwright-core"
);

// The flags this machine's closed network needs: no background service of the browser may try
// to reach its vendor's hosts.
const browserArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const scratch = mkdtempSync(path.join(tmpdir(), "usertasks-browser-"));
const running = new Set();

export async function launchBrowser() {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: browserArgs });
}

// Stops every server still running and removes the scratch directory.
export function cleanUp() {
  for (const child of running) child.kill("SIGTERM");
  rmSync(scratch, { recursive: true, force: true });
}

// Starts `usertasks serve` on the SQLite database `name`.db of the scratch directory (created and
// migrated on first use, kept between servers of the same name) and on `port` (0: a free one).
// Resolves once /healthz answers to { base, port, stop }, where stop() sends SIGTERM and resolves
// to the exit code once the process has exited.
export async function startServer(name, extraArgs = [], { port = 0 } = {}) {
  const db = path.join(scratch, `${name}.db`);
  const child = spawn(
    binary,
    ["--database", `sqlite:${db}`, "serve", "--migrate", "--host", "127.0.0.1", "--port",
     String(port), "--threads", "2", ...extraArgs],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  running.add(child);
  let log = "";
  const exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      running.delete(child);
      resolve(code ?? signal);
    });
  });
  const bound = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${log}`)), 20000);
    const read = (chunk) => {
      log += chunk;
      const m = /serving http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}):\n${log}`));
    });
  });
  const base = `http://127.0.0.1:${bound}`;
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  const stop = async () => {
    child.kill("SIGTERM");
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the server did not exit within 20 s of SIGTERM:\n${log}`));
      }, 20000);
    });
    try {
      return await Promise.race([exited, late]);
    } finally {
      clearTimeout(timer);
    }
  };
  return { base, port: bound, stop, log: () => log };
}

// A page that records what must not happen: console errors (but those `allowedErrors` matches),
// uncaught exceptions, and requests to any origin but the server's (and `origins`), which are
// also stopped unless `intercept` is false (Playwright then sees the headers the network stack
// adds, such as EventSource's Last-Event-ID, which it does not for intercepted requests).
export async function openPage(browser, base,
                               { allowedErrors = /$^/, intercept = true, origins = [] } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  const local = (url) =>
    [base, ...origins].some((origin) => url.startsWith(`${origin}/`)) || url.startsWith("data:");
  if (intercept) {
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (local(url)) return route.continue();
      problems.push(`request to another host: ${url}`);
      return route.abort();
    });
  }
  const page = await context.newPage();
  if (!intercept) {
    page.on("request", (request) => {
      if (!local(request.url())) problems.push(`request to another host: ${request.url()}`);
    });
  }
  page.on("console", (msg) => {
    if (msg.type() === "error" && !allowedErrors.test(msg.text())) {
      problems.push(`console error: ${msg.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}
