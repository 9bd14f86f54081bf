// Dashboard tests in headless Debian Chromium, driven by playwright-core (no browser download).
// Loads every page on the demo data (public record + synthetic exercise), checks the headline
// figures against `tranche report summary --json`, clicks through filters, sorting and sign-in,
// checks that no restricted value reaches the public, runs axe-core on each page (no critical
// violations), checks page weight, phone width and the print stylesheet, and saves a screenshot of
// each page under the artifacts folder.
//
//   TRANCHE_BIN=target/release/tranche node tests/browser/dashboard.test.mjs [ARTIFACTS_DIR]

import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const bin = resolve(root, process.env.TRANCHE_BIN || 'target/release/tranche');
const artifacts = resolve(root, process.argv[2] || 'target/test-artifacts/dashboard');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const MAX_PAGE_BYTES = 300 * 1024;

mkdirSync(artifacts, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'tranche-browser-'));
const db = join(work, 'tranche.db');
const tranche = (...args) => execFileSync(bin, ['--database', db, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let passed = 0;
const failures = [];
async function test(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (error) {
    failures.push(name);
    console.log(`FAIL ${name}\n     ${String(error && error.stack || error).split('\n').slice(0, 4).join('\n     ')}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}
function equal(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// The store: the public record and the synthetic exercise, and a token per role.
tranche('demo', '--no-serve', '--exercise');
const coordinatorToken = tranche('token', 'create', '--role', 'coordinator').trim();
const contributorToken = tranche('token', 'create', '--role', 'contributor', '--party', 'NLD').trim();
const summary = JSON.parse(tranche('report', 'summary', '--json'));
const restrictedPackages = JSON.parse(tranche('--as', 'coordinator', 'report', 'packages', '--json'));
const restrictedRequirements = JSON.parse(tranche('--as', 'coordinator', 'report', 'requirements', '--json'));
const restricted = new Set();
for (const p of restrictedPackages) {
  if (p.name) restricted.add(p.name);
  for (const line of p.lines || []) restricted.add(line.description);
}
for (const r of restrictedRequirements) if (r.description) restricted.add(r.description);
assert(restricted.size > 3, `the exercise should hold restricted values (found ${restricted.size})`);

// The server on a free port; it stops with this script, whatever happens.
const server = spawn(bin, ['--database', db, 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
process.on('exit', () => server.kill('SIGKILL'));
process.on('uncaughtException', (error) => { console.error(error); process.exit(2); });
process.on('unhandledRejection', (error) => { console.error(error); process.exit(2); });
const base = await new Promise((resolveUrl, reject) => {
  const timer = setTimeout(() => reject(new Error('the server did not start within 20 s')), 20000);
  createInterface({ input: server.stdout }).on('line', (line) => {
    const match = line.match(/^listening on (http:\/\/\S+)/);
    if (match) { clearTimeout(timer); resolveUrl(match[1]); }
  });
  server.on('exit', (code) => reject(new Error(`the server exited with ${code}`)));
});

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic'],
  // playwright gives every launch a fresh, empty profile directory of its own.
});
const axeSource = readFileSync(join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** Opens a page, counting the bytes of every response it loads. */
async function open(context, path) {
  const page = await context.newPage();
  const bodies = [];
  page.on('response', (response) => bodies.push(response.body().then((b) => b.length, () => 0)));
  const response = await page.goto(base + path, { waitUntil: 'networkidle' });
  const sizes = await Promise.all(bodies);
  return { page, response, bytes: () => sizes.reduce((a, b) => a + b, 0) };
}

async function axeCritical(page) {
  // Evaluated, not added as an inline <script>: the dashboard's CSP refuses inline scripts.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  for (const v of result.violations.filter((v) => v.impact !== 'critical')) {
    console.log(`     axe ${v.impact}: ${v.id} (${v.nodes.length}) ${v.help}`);
  }
  return result.violations.filter((v) => v.impact === 'critical');
}

const publicPages = ['/', '/months', '/contributors', '/packages', '/fair-share', '/records', '/log', '/sign-in'];
const publicContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });

await test('the accessibility check finds a known critical violation (it can fail)', async () => {
  const page = await publicContext.newPage();
  await page.setContent('<!doctype html><html lang="en"><title>t</title><main><img src="x.png"></main></html>');
  const critical = await axeCritical(page);
  assert(critical.some((v) => v.id === 'image-alt'), `expected image-alt, got ${critical.map((v) => v.id)}`);
  await page.close();
});

await test('overview headline figures equal `tranche report summary --json`', async () => {
  const { page, response } = await open(publicContext, '/');
  equal(response.status(), 200, 'status');
  equal(await page.getAttribute('#total-eur', 'data-value'), summary.totals.EUR, 'EUR total');
  equal(await page.getAttribute('#total-usd', 'data-value'), summary.totals.USD, 'USD total');
  equal(Number(await page.getAttribute('#contributors', 'data-value')), summary.contributors, 'contributors');
  equal(Number(await page.getAttribute('#undisclosed', 'data-value')), summary.undisclosed, 'undisclosed');
  equal(Number(await page.getAttribute('#declined', 'data-value')), summary.declined.length, 'declined');
  equal(await page.textContent('[data-as-of]'), summary.as_of, 'as of');
  const charts = await page.$$eval('svg.chart[role="img"]', (nodes) => nodes.map((n) => n.getAttribute('aria-label')));
  assert(charts.length >= 2, `expected the line and bar charts, found ${charts.length}`);
  const lines = await page.$$eval('svg.chart polyline, svg.chart path', (nodes) => nodes.length);
  assert(lines > 3, 'the charts draw lines');
  await page.screenshot({ path: join(artifacts, 'overview.png'), fullPage: true });
  await page.close();
});

await test('every public page loads under 300 KB, with no critical accessibility violation', async () => {
  for (const path of publicPages) {
    const { page, response, bytes } = await open(publicContext, path);
    equal(response.status(), 200, `${path} status`);
    assert(bytes() < MAX_PAGE_BYTES, `${path} transferred ${bytes()} bytes`);
    const critical = await axeCritical(page);
    assert(critical.length === 0, `${path}: ${critical.map((v) => `${v.id}: ${v.help}`).join('; ')}`);
    const name = path === '/' ? 'overview' : path.slice(1);
    if (path !== '/') await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
    console.log(`     ${path}: ${bytes()} bytes`);
    await page.close();
  }
});

await test('the overview and the months page compare our months with the Kiel release', async () => {
  // Kiel's nato_purl from the shipped CSV, in cents (half-even), beside our summary's months.
  const cents = (text) => {
    const [whole, fraction = ''] = text.split('.');
    return BigInt(whole + (fraction + '00').slice(0, 2));
  };
  const kielCents = (bn) => {
    // bn EUR to cents: the whole part and 11 decimals are cents; the rest rounds half-even.
    const [whole, fraction = ''] = bn.split('.');
    const cent = BigInt(whole + fraction.padEnd(11, '0').slice(0, 11));
    const rest = fraction.slice(11).replace(/0+$/, '');
    if (rest === '' || rest[0] < '5') return cent;
    if (rest[0] > '5' || rest.length > 1) return cent + 1n;
    return cent % 2n === 1n ? cent + 1n : cent;
  };
  const kiel = new Map(readFileSync(join(root, 'data', 'kiel-procurement-trends.csv'), 'utf8').trim().split('\n').slice(1)
    .map((line) => line.split(',')).map((c) => [`${c[0]}-${c[1].padStart(2, '0')}`, c[5]]));
  for (const path of ['/', '/months']) {
    const { page } = await open(publicContext, path);
    equal(await page.getAttribute('#kiel-release', 'data-release'), '29', `${path}: the release`);
    equal(await page.getAttribute('#kiel-release', 'data-date'), '2026-08-04', `${path}: the release date`);
    const rows = await page.$$eval('#kiel-months tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert(rows.length >= 10, `${path}: ${rows.length} months`);
    let compared = 0;
    for (const [month, ours, theirs, difference] of rows) {
      const oursCents = cents(ours.replaceAll(',', ''));
      equal(oursCents, cents(summary.by_month[month]?.EUR ?? '0.00'), `${path} ${month}: ours`);
      if (kiel.has(month)) {
        const expected = kielCents(kiel.get(month));
        equal(cents(theirs.replaceAll(',', '')), expected, `${path} ${month}: Kiel`);
        equal(cents(difference.replaceAll(',', '')), oursCents - expected, `${path} ${month}: difference`);
        compared += 1;
      } else {
        equal(theirs, 'not reported', `${path} ${month}: a month Kiel has not reported`);
        equal(difference, 'not reported', `${path} ${month}: no difference without Kiel's figure`);
      }
    }
    assert(compared >= 10, `${path}: ${compared} months compared`);
    if (path === '/months') {
      assert(await page.$('#kiel-per-gdp tbody tr[data-party="NLD"]'), 'the per-GDP table lists the Netherlands');
      const labels = await page.$$eval('svg.chart[role="img"]', (nodes) => nodes.map((n) => n.getAttribute('aria-label')));
      assert(labels.some((l) => l.includes('Kiel release 29')), `the chart: ${labels}`);
      await page.screenshot({ path: join(artifacts, 'months.png'), fullPage: true });
    }
    await page.close();
  }
});

await test('the log page shows the latest signed checkpoint and how to verify it', async () => {
  const { page } = await open(publicContext, '/log');
  const size = Number(await page.getAttribute('#checkpoint-size', 'data-value'));
  const events = Number(await page.textContent('#log-head'));
  equal(size, events, 'the demo signs a checkpoint of the whole log');
  const note = await (await fetch(`${base}/api/v1/log/checkpoint`)).text();
  assert(note.includes(await page.textContent('#checkpoint-root')), 'the root shown is the served checkpoint\'s');
  assert((await page.textContent('#public-key')).startsWith('tranche.local/demo+'), 'the public key is shown');
  await page.close();
});

await test('no restricted value reaches the public, on pages or in downloads', async () => {
  const texts = [];
  for (const path of publicPages) {
    const { page } = await open(publicContext, path);
    texts.push([path, await page.content()]);
    await page.close();
  }
  for (const path of ['/?format=csv', '/contributors?format=json', '/packages?format=csv', '/packages?format=json', '/records?format=json']) {
    const response = await fetch(base + path);
    equal(response.status, 200, `${path} status`);
    texts.push([path, await response.text()]);
  }
  for (const [path, text] of texts) {
    for (const value of restricted) assert(!text.includes(value), `${path} shows the restricted value ${JSON.stringify(value)}`);
  }
  const { page, response } = await open(publicContext, '/requirements');
  equal(response.status(), 401, 'requirements for the public');
  assert((await page.textContent('[role="alert"]')).includes('restricted'), 'the refusal says why');
  assert(!(await page.$('nav a[href="/requirements"]')), 'the public navigation has no requirements link');
  await page.close();
});

await test('records filter in place (htmx) and say why each record counts', async () => {
  const { page } = await open(publicContext, '/records');
  const all = Number(await page.textContent('#record-count'));
  await page.selectOption('select[name="kind"]', 'participation');
  await page.waitForFunction((n) => Number(document.querySelector('#record-count').textContent) !== n, all);
  const kinds = await page.$$eval('#records-table tbody tr', (rows) => rows.map((r) => r.children[2].textContent));
  assert(kinds.length > 0 && kinds.every((k) => k === 'participation'), `kinds after filtering: ${kinds}`);
  assert(page.url().includes('kind=participation'), `the URL keeps the filter: ${page.url()}`);
  await page.selectOption('select[name="kind"]', '');
  await page.selectOption('select[name="counts"]', 'no');
  await page.waitForFunction(() => [...document.querySelectorAll('#records-table tbody tr')].every((r) => ['superseded', 'withdrawn', 'later'].includes(r.dataset.counts)));
  const reasons = await page.$$eval('#records-table tbody tr', (rows) => rows.map((r) => r.children[6].textContent));
  assert(reasons.length > 0 && reasons.every((r) => r.startsWith('Does not count') || r.startsWith('Not yet')), `reasons: ${reasons}`);
  await page.screenshot({ path: join(artifacts, 'records-filtered.png'), fullPage: true });
  // The downloaded CSV holds the same records as the filtered page.
  const csv = await (await fetch(`${base}/records?counts=no&format=csv`)).text();
  equal(csv.trim().split('\n').length - 1, reasons.length, 'CSV rows for the same filter');
  await page.close();
});

await test('contributors sort by a column, in place', async () => {
  const { page } = await open(publicContext, '/contributors');
  const values = async () => page.$$eval('#contributors-table tbody tr', (rows) => rows.map((r) => Number(r.children[2].textContent.replace(/,/g, ''))));
  const before = await values();
  assert(before.length > 10, `rows: ${before.length}`);
  assert(before.every((v, i) => i === 0 || before[i - 1] >= v), 'sorted by counted EUR, highest first');
  await page.click('#contributors-table thead a:text("Counted EUR")');
  await page.waitForFunction(() => document.querySelector('#contributors-table th[aria-sort]').getAttribute('aria-sort') === 'ascending');
  const after = await values();
  assert(after.every((v, i) => i === 0 || after[i - 1] <= v), `ascending after a click: ${after}`);
  const declined = await page.$$eval('tr.declined', (rows) => rows.map((r) => r.dataset.party));
  for (const party of summary.declined) assert(declined.includes(party), `${party} is shown as declined`);
  await page.close();
});

await test('fair-share figures for a party equal `tranche funding fair-share --json`', async () => {
  const asOf = summary.as_of;
  const cli = JSON.parse(tranche('funding', 'fair-share', '--as-of', asOf, '--amount', '500000000', '--currency', 'EUR', '--json'));
  const { page, response } = await open(publicContext, `/fair-share?as_of=${asOf}&currency=EUR&amount=500000000`);
  equal(response.status(), 200, 'status');
  const row = cli.rows.find((r) => r.party === 'NLD');
  equal(row.standing, 'carries', 'NLD carries a share');
  const cell = (field) => page.getAttribute(`#fair-share-table tr[data-party="NLD"] [data-field="${field}"]`, 'data-value');
  equal(await cell('key_value'), row.key_value, 'key value');
  equal(await cell('key_percent'), row.key_percent, 'key %');
  equal(await cell('fair_share'), row.fair_share.EUR, 'fair share');
  equal(await cell('counted'), row.counted.EUR, 'counted');
  equal(await cell('committed'), row.committed ? row.committed.EUR : '', 'committed');
  equal(await cell('paid'), row.paid ? row.paid.EUR : '', 'paid');
  equal(await cell('difference'), row.difference.EUR, 'difference');
  const paidOfShare = row.paid ? `${(100 * Number(row.paid.EUR) / Number(row.fair_share.EUR)).toFixed(1)}%` : 'not reported';
  equal((await page.textContent('#fair-share-table tr[data-party="NLD"] [data-field="paid_of_fair_share"]')).trim(), paidOfShare, 'paid of fair share');
  equal(await cell('difference_percent'), row.difference_percent.EUR ?? '', 'difference %');
  equal(await cell('proposed'), row.proposed, 'split of the amount');
  equal(await page.getAttribute('#fair-share-total', 'data-value'), cli.total.EUR, 'total counted');
  // A party whose paid money the record does not report shows "not reported", never 0.00.
  const unreported = cli.rows.find((r) => r.standing === 'carries' && r.paid === null);
  assert(unreported, 'some party carrying a share has no reported payment');
  equal((await page.textContent(`#fair-share-table tr[data-party="${unreported.party}"] [data-field="paid"]`)).trim(), 'not reported', `${unreported.party} paid`);
  equal((await page.textContent(`#fair-share-table tr[data-party="${unreported.party}"] [data-field="paid_of_fair_share"]`)).trim(), 'not reported', `${unreported.party} paid of fair share`);
  const declined = await page.$$eval('#declined-table tbody tr', (rows) => rows.map((r) => r.dataset.party));
  const notParticipating = cli.rows.filter((r) => r.standing === 'not-participating').map((r) => r.party);
  equal(declined.join(','), notParticipating.join(','), 'declined parties listed apart');
  const chart = await page.$$eval('figure svg.chart.wide[role="img"] title', (nodes) => nodes.map((n) => n.textContent));
  assert(chart.length === 1 && chart[0].startsWith('Counted minus fair share'), `the chart's title: ${chart}`);
  await page.screenshot({ path: join(artifacts, 'fair-share-split.png'), fullPage: true });
  await page.close();
});

await test('the fair-share form works without JavaScript', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
  const { page } = await open(context, '/fair-share');
  await page.selectOption('select[name="currency"]', 'USD');
  await page.fill('input[name="amount"]', '500000000');
  await page.check('input[name="include_partners"]');
  await Promise.all([page.waitForURL(/amount=500000000/), page.click('button[type="submit"]:text("Show")')]);
  assert(page.url().includes('currency=USD') && page.url().includes('include_partners=true'), `the query: ${page.url()}`);
  const split = await page.$$eval('#fair-share-table [data-field="proposed"]', (cells) => cells.map((c) => Number(c.dataset.value)));
  equal(split.reduce((a, b) => a + b, 0), 500000000, 'the split adds up to the amount');
  assert(await page.$('#fair-share-table tr[data-party="AUS"]'), 'partners carry a share when included');
  await context.close();
});

await test('phone width: no page scrolls sideways', async () => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  for (const path of publicPages) {
    const { page } = await open(phone, path);
    const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert(scroll <= width + 1, `${path} is ${scroll}px wide at ${width}px`);
    if (path === '/') await page.screenshot({ path: join(artifacts, 'overview-phone.png'), fullPage: true });
    if (path === '/fair-share') await page.screenshot({ path: join(artifacts, 'fair-share-phone.png'), fullPage: true });
    await page.close();
  }
  await phone.close();
});

await test('print stylesheet: no navigation or forms, the overview a briefing of two pages at most, its month table kept (PDF)', async () => {
  const { page } = await open(publicContext, '/');
  await page.emulateMedia({ media: 'print' });
  equal(await page.$eval('header.site nav', (n) => getComputedStyle(n).display), 'none', 'navigation in print');
  equal(await page.$eval('.downloads', (n) => getComputedStyle(n).display), 'none', 'download links in print');
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  writeFileSync(join(artifacts, 'overview-print.pdf'), pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert(pages >= 1 && pages <= 2, `A4 pages of the printed briefing: ${pages}`);
  console.log(`     print: ${pages} page(s)`);
  await page.close();
});

await test('sign-in: a bad token is refused, a role sees restricted pages, sign-out ends it', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page } = await open(context, '/sign-in');
  await page.fill('#token', 'trn_0000000000000000_nottherealsecret');
  await Promise.all([page.waitForLoadState('networkidle'), page.click('button[type="submit"]:text("Sign in")')]);
  assert((await page.textContent('#sign-in-error')).startsWith('Not signed in'), 'the refusal is shown');
  await page.fill('#token', coordinatorToken);
  await Promise.all([page.waitForURL(base + '/'), page.click('button[type="submit"]:text("Sign in")')]);
  equal(await page.getAttribute('[data-role]', 'data-role'), 'coordinator', 'signed-in role');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'tranche_session');
  assert(session && session.httpOnly && session.sameSite === 'Strict', `session cookie: ${JSON.stringify(session)}`);
  await page.goto(base + '/packages');
  const shown = await page.$$eval('[data-restricted]', (nodes) => nodes.map((n) => n.textContent));
  assert(shown.some((s) => restricted.has(s)), 'a coordinator sees package names');
  await page.screenshot({ path: join(artifacts, 'packages-coordinator.png'), fullPage: true });
  const requirements = await page.goto(base + '/requirements');
  equal(requirements.status(), 200, 'requirements for the coordinator');
  const critical = await axeCritical(page);
  assert(critical.length === 0, `/requirements: ${critical.map((v) => v.id).join(', ')}`);
  await page.screenshot({ path: join(artifacts, 'requirements.png'), fullPage: true });
  await Promise.all([page.waitForURL(base + '/'), page.click('button:text("Sign out")')]);
  assert(await page.$('a[href="/sign-in"]'), 'signed out: the sign-in link is back');
  equal((await page.goto(base + '/requirements')).status(), 401, 'requirements after sign-out');
  await context.close();
});

await test('a contributor may sign in but not see the requirements', async () => {
  const context = await browser.newContext();
  const { page } = await open(context, '/sign-in');
  await page.fill('#token', contributorToken);
  await Promise.all([page.waitForURL(base + '/'), page.click('button[type="submit"]:text("Sign in")')]);
  equal((await page.goto(base + '/requirements')).status(), 403, 'requirements for a contributor');
  await context.close();
});

await test('CSRF: a form post without the matching token, or from another site, is refused', async () => {
  const form = (csrf) => new URLSearchParams({ csrf, token: coordinatorToken }).toString();
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  const noCookie = await fetch(`${base}/sign-in`, { method: 'POST', headers, body: form('abc'), redirect: 'manual' });
  equal(noCookie.status, 403, 'no CSRF cookie');
  const mismatch = await fetch(`${base}/sign-in`, { method: 'POST', headers: { ...headers, cookie: 'tranche_csrf=aaaa' }, body: form('bbbb'), redirect: 'manual' });
  equal(mismatch.status, 403, 'mismatched CSRF token');
  const foreign = await fetch(`${base}/sign-in`, { method: 'POST', headers: { ...headers, cookie: 'tranche_csrf=aaaa', origin: 'http://evil.example' }, body: form('aaaa'), redirect: 'manual' });
  equal(foreign.status, 403, 'cross-site post');
  const good = await fetch(`${base}/sign-in`, { method: 'POST', headers: { ...headers, cookie: 'tranche_csrf=aaaa' }, body: form('aaaa'), redirect: 'manual' });
  equal(good.status, 303, 'matching token');
  assert(good.headers.get('set-cookie').includes('HttpOnly'), 'the session cookie is HttpOnly');
});

/** Signs a context in with `token` through the sign-in form. */
async function signIn(context, token) {
  const { page } = await open(context, '/sign-in');
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(base + '/'), page.click('button[type="submit"]:text("Sign in")')]);
  await page.close();
}

await test('the overview projects each open goal with the figures of `tranche targets --json`', async () => {
  const asOf = '2026-04-30';
  const report = JSON.parse(tranche('targets', '--as-of', asOf, '--json'));
  const openGoals = report.targets.filter((t) => t.status === 'open');
  assert(openGoals.length > 0, 'an open goal on the record');
  const { page, response, bytes } = await open(publicContext, `/?as_of=${asOf}`);
  equal(response.status(), 200, 'status');
  assert(bytes() < MAX_PAGE_BYTES, `the overview transferred ${bytes()} bytes`);
  for (const target of openGoals) {
    const at3 = target.projected.at_trailing_rates.find((r) => r.window_months === 3);
    const item = `#projections li[data-target="${target.id}"]`;
    equal(await page.getAttribute(item, 'data-still-needed'), target.still_needed, `${target.id} still needed`);
    equal(await page.getAttribute(item, 'data-required-per-month'), target.required_per_month, `${target.id} required a month`);
    equal(await page.getAttribute(item, 'data-rate-per-month'), at3.per_month, `${target.id} 3-month rate`);
    equal(await page.getAttribute(item, 'data-reached-kind'), at3.reached.kind, `${target.id} reached`);
    const text = await page.textContent(item);
    assert(text.includes(at3.reached.kind === 'never' ? 'never at this rate' : at3.reached.date), `the sentence: ${text}`);
    assert(text.toLowerCase().includes('projection'), `marked as a projection: ${text}`);
  }
  const legend = await page.$$eval('svg.chart text', (nodes) => nodes.map((n) => n.textContent.trim()));
  assert(legend.some((t) => t.startsWith('Projection at the 3-month rate')), `the chart's legend: ${legend}`);
  assert(legend.some((t) => t.startsWith('Required for')), `the chart's legend: ${legend}`);
  const critical = await axeCritical(page);
  assert(critical.length === 0, `/?as_of: ${critical.map((v) => v.id).join(', ')}`);
  await page.screenshot({ path: join(artifacts, 'overview-projection.png'), fullPage: true });
  await page.close();
});

await test('the funding page: a stale Accept writes nothing and shows the proposal again', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await signIn(context, coordinatorToken);
  const { page } = await open(context, '/funding?as_of=2026-04-30');
  const head = Number(await page.getAttribute('#proposal-head', 'data-value'));
  // Another write lands between reading the proposal and accepting it.
  tranche('participation', 'record', 'ITA', '--status', 'participating', '--date', '2026-04-01');
  const before = JSON.parse(tranche('funding', 'propose', '--as-of', '2026-04-30', '--json')).log_head;
  assert(before > head, 'the log moved on');
  await Promise.all([page.waitForLoadState('networkidle'), page.click('#accept')]);
  const notice = await page.textContent('#funding-notice');
  assert(notice.includes('the log has moved on') && notice.includes('here is the proposal again'), `the notice: ${notice}`);
  const after = JSON.parse(tranche('funding', 'propose', '--as-of', '2026-04-30', '--json')).log_head;
  equal(after, before, 'nothing written');
  await page.screenshot({ path: join(artifacts, 'funding-stale.png'), fullPage: true });
  await context.close();
});

await test('the funding page: a coordinator accepts the proposal and the package shows funded', async () => {
  const asOf = '2026-04-30';
  const cli = JSON.parse(tranche('funding', 'propose', '--as-of', asOf, '--json'));
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  equal((await (await context.newPage()).goto(`${base}/funding`)).status(), 401, 'the public is asked to sign in');
  await signIn(context, coordinatorToken);
  // The server follows writes made beside it (the stale test's) within about a second.
  let { page, response, bytes } = await open(context, `/funding?as_of=${asOf}`);
  for (let tries = 0; tries < 20 && Number(await page.getAttribute('#proposal-head', 'data-value')) !== cli.log_head; tries += 1) {
    await page.close();
    await new Promise((done) => setTimeout(done, 250));
    ({ page, response, bytes } = await open(context, `/funding?as_of=${asOf}`));
  }
  equal(response.status(), 200, 'status');
  assert(bytes() < MAX_PAGE_BYTES, `the funding page transferred ${bytes()} bytes`);
  equal(Number(await page.getAttribute('#proposal-head', 'data-value')), cli.log_head, 'log head');
  const p3 = cli.packages.find((p) => p.package === 'EX-P3');
  const cell = (field) => page.getAttribute(`#proposal-packages tr[data-package="EX-P3"] [data-field="${field}"]`, 'data-value');
  equal(await cell('need'), p3.need, 'EX-P3 need');
  equal(await cell('proposed'), p3.proposed, 'EX-P3 proposed');
  equal(await page.getAttribute('#proposal-packages tr[data-package="EX-P3"]', 'data-status'), 'funded', 'proposed status');
  const allocations = await page.$$eval('#proposal-allocations tbody tr', (rows) => rows.map((r) => `${r.dataset.pledge}>${r.dataset.package}:${r.querySelector('[data-field="amount"]').dataset.value}`));
  equal(allocations.join(','), cli.allocations.map((a) => `${a.pledge}>${a.package}:${a.amount}`).join(','), 'allocations');
  const leftOut = await page.$$eval('#proposal-excluded tbody tr', (rows) => rows.map((r) => r.dataset.pledge));
  equal(leftOut.join(','), cli.excluded.map((e) => e.pledge).join(','), 'pledges left out');
  const critical = await axeCritical(page);
  assert(critical.length === 0, `/funding: ${critical.map((v) => `${v.id}: ${v.help}`).join('; ')}`);
  await page.screenshot({ path: join(artifacts, 'funding.png'), fullPage: true });
  await Promise.all([page.waitForURL(/accepted=/), page.click('#accept')]);
  equal(await page.textContent('#written-table tr[data-package="EX-P3"] [data-field="state"]'), 'funded', 'EX-P3 after accepting');
  const packages = JSON.parse(tranche('--as', 'coordinator', 'report', 'packages', '--json'));
  equal(packages.find((p) => p.package === 'EX-P3').state, 'funded', 'EX-P3 in the store');
  await page.screenshot({ path: join(artifacts, 'funding-accepted.png'), fullPage: true });
  // The phone: the page (and the overview's projection) fit without scrolling sideways.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  await signIn(phone, coordinatorToken);
  for (const path of [`/funding?as_of=${asOf}`, `/?as_of=${asOf}`]) {
    const small = await open(phone, path);
    const [scroll, width] = await small.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert(scroll <= width + 1, `${path} is ${scroll}px wide at ${width}px`);
    if (path.startsWith('/funding')) await small.page.screenshot({ path: join(artifacts, 'funding-phone.png'), fullPage: true });
    await small.page.close();
  }
  await phone.close();
  await context.close();
});

// ---- readable everywhere: charts, phones, print ----
{
  const sizes = [['1400', { viewport: { width: 1400, height: 900 } }], ['390', { viewport: { width: 390, height: 844 }, isMobile: true }]];
  const chartPages = ['/', '/?as_of=2026-04-30', '/months', '/fair-share'];
  const signedInPages = ['/', '/months', '/contributors', '/packages', '/fair-share', '/funding', '/requirements', '/records', '/log'];
  const nameOf = (path) => (path === '/' ? 'overview' : path.slice(1).replace(/[^a-z0-9]+/gi, '-'));

  /** What is wrong with the charts shown on the page: a legend over the data, text under 11 px,
   *  two currencies, a series drawn flat along the axis. */
  const chartProblems = (page) => page.$$eval('.chart-box svg.chart', (svgs) => {
    const problems = [];
    let shown = 0;
    const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
    for (const svg of svgs) {
      const box = svg.getBoundingClientRect();
      if (box.width === 0) continue; // the rendering for the other width
      shown += 1;
      const name = `${svg.getAttribute('aria-label').slice(0, 40)}… (${svg.getAttribute('class')})`;
      const legend = svg.querySelector('g.legend');
      if (!legend) { problems.push(`${name}: no legend group`); continue; }
      const keys = [...legend.children].map((n) => n.getBoundingClientRect());
      const drawn = [...svg.querySelectorAll('g.plot polyline, g.plot path, g.plot rect, g.plot line, g.plot circle, g.plot text')]
        .filter((n) => !(n.tagName === 'rect' && (n.getAttribute('fill') || '').toUpperCase() === '#FFFFFF'));
      for (const n of drawn) {
        const r = n.getBoundingClientRect();
        if (keys.some((k) => overlap(k, r))) problems.push(`${name}: the legend covers a ${n.tagName} of the plot`);
      }
      const scale = box.width / svg.viewBox.baseVal.width;
      for (const t of svg.querySelectorAll('text')) {
        const px = parseFloat(getComputedStyle(t).fontSize) * scale;
        if (px < 11) problems.push(`${name}: "${t.textContent.trim()}" at ${px.toFixed(1)} px`);
      }
      const words = [...svg.querySelectorAll('text, title')].map((t) => t.textContent).join(' ');
      const codes = new Set(words.match(/\b(EUR|USD|GBP|CAD|NOK|SEK|DKK|PLN|CHF)\b/g) || []);
      if (codes.size > 1) problems.push(`${name}: currencies ${[...codes]}`);
      // A series (2 px line) drawn flat along the lowest level of all series hides under the others.
      const series = [...svg.querySelectorAll('g.plot polyline[stroke-width="2"]')]
        .map((p) => (p.getAttribute('points') || '').trim().split(/\s+/).map((xy) => xy.split(',').map(Number)));
      const base = Math.max(...series.flat().map(([, y]) => y));
      const plotWidth = svg.viewBox.baseVal.width;
      for (const points of series) {
        const xs = points.map(([x]) => x);
        if (points.every(([, y]) => y === base) && Math.max(...xs) - Math.min(...xs) > plotWidth / 4) problems.push(`${name}: a series drawn flat along the axis`);
      }
    }
    return { shown, problems };
  });

  await test('readable: every chart at 1400 and 390 px keeps its legend off the data, its text at 11 px or more, one currency', async () => {
    // It can fail: a legend drawn over the plot is found.
    const probe = await publicContext.newPage();
    await probe.setContent('<div class="chart-box"><svg class="chart" aria-label="probe" viewBox="0 0 200 100" width="200" height="100"><g class="plot"><rect x="0" y="0" width="200" height="100" fill="#FFFFFF"/><polyline stroke-width="2" points="0,90 200,10" stroke="#000" fill="none"/><text x="5" y="95" font-size="6">small EUR USD</text></g><g class="legend"><text x="90" y="50" font-size="14">key</text></g></svg></div>');
    const caught = await chartProblems(probe);
    assert(caught.problems.some((p) => p.includes('legend covers')) && caught.problems.some((p) => p.includes('px')) && caught.problems.some((p) => p.includes('currencies')), `the probe: ${caught.problems}`);
    await probe.close();
    const coordinator = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await signIn(coordinator, coordinatorToken);
    for (const [width, options] of sizes) {
      const context = await browser.newContext(options);
      for (const [who, ctx, paths] of [['public', context, chartPages], ['coordinator', coordinator, ['/']]]) {
        for (const path of paths) {
          const { page } = await open(ctx, path);
          if (ctx === coordinator) await page.setViewportSize(options.viewport);
          const { shown, problems } = await chartProblems(page);
          assert(shown >= 1, `${who} ${path} at ${width}: no chart shown`);
          assert(problems.length === 0, `${who} ${path} at ${width}: ${problems.slice(0, 5).join('; ')}`);
          if (width === '390' && ctx === context) await page.screenshot({ path: join(artifacts, `readable-charts-${nameOf(path)}-390.png`), fullPage: true });
          await page.close();
        }
      }
      await context.close();
    }
    await coordinator.close();
  });

  await test('readable: at 390 px no page overflows (public and coordinator), dates stay on one line, scroll boxes are focusable', async () => {
    // It can fail: axe finds a scrollable box that a keyboard cannot reach.
    const probe = await publicContext.newPage();
    await probe.setContent('<!doctype html><html lang="en"><title>t</title><main><div style="overflow:auto;width:100px"><p style="white-space:nowrap">a line of text far wider than its box</p></div></main></html>');
    await probe.evaluate(axeSource);
    const found = await probe.evaluate(async () => (await window.axe.run(document, { runOnly: { type: 'rule', values: ['scrollable-region-focusable'] } })).violations.length);
    assert(found === 1, `axe finds the unfocusable scroll box (${found})`);
    await probe.close();
    const coordinatorPhone = await browser.newContext(sizes[1][1]);
    await signIn(coordinatorPhone, coordinatorToken);
    const coordinatorWide = await browser.newContext(sizes[0][1]);
    await signIn(coordinatorWide, coordinatorToken);
    const publicPhone = await browser.newContext(sizes[1][1]);
    const runs = [['public', publicPhone, publicPages, '390'], ['public', publicContext, publicPages, '1280'],
      ['coordinator', coordinatorPhone, signedInPages, '390'], ['coordinator', coordinatorWide, signedInPages, '1400']];
    const problems = [];
    for (const [who, context, paths, width] of runs) {
      for (const path of paths) {
        const { page } = await open(context, path);
        const where = `${who} ${path} at ${width}`;
        const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        if (scroll > inner + 1) problems.push(`${where}: ${scroll}px wide`);
        const wrapped = await page.$$eval('td, th', (cells) => cells.filter((c) => c.classList.contains('date') || /^\d{4}-\d{2}(-\d{2})?$/.test(c.textContent.trim()))
          .filter((c) => c.getClientRects().length > 0).filter((c) => {
            const range = document.createRange();
            range.selectNodeContents(c);
            return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size > 1;
          }).map((c) => c.textContent.trim()));
        if (wrapped.length > 0) problems.push(`${where}: dates wrap: ${wrapped.slice(0, 3)}`);
        await page.evaluate(axeSource);
        const axe = await page.evaluate(async () => (await window.axe.run(document, { runOnly: { type: 'rule', values: ['scrollable-region-focusable'] } })).violations);
        for (const v of axe) problems.push(`${where}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        if (width === '390') await page.screenshot({ path: join(artifacts, `readable-${who}-${nameOf(path)}-390.png`), fullPage: true });
        await page.close();
      }
    }
    assert(problems.length === 0, problems.slice(0, 8).join('\n     '));
    for (const context of [coordinatorPhone, coordinatorWide, publicPhone]) await context.close();
  });

  await test('readable: in print no table is clipped, sources print their address, restricted views say so, the overview keeps its months', async () => {
    const coordinator = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await signIn(coordinator, coordinatorToken);
    const problems = [];
    let sources = 0;
    for (const [who, context, paths] of [['public', publicContext, publicPages], ['coordinator', coordinator, signedInPages]]) {
      for (const path of paths) {
        const { page } = await open(context, path);
        await page.emulateMedia({ media: 'print' });
        const where = `${who} ${path}`;
        const clipped = await page.$$eval('.table-wrap, table', (boxes) => boxes.filter((b) => b.getClientRects().length > 0)
          .filter((b) => b.scrollWidth > b.clientWidth + 1 || b.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .map((b) => `${b.id || b.querySelector('table')?.id || b.tagName} ${b.scrollWidth}>${b.clientWidth}`));
        if (clipped.length > 0) problems.push(`${where}: clipped ${clipped.slice(0, 3)}`);
        const links = await page.$$eval('a[href^="http"]', (as) => as.filter((a) => a.getClientRects().length > 0)
          .map((a) => [a.href, getComputedStyle(a, '::after').content]));
        sources += links.length;
        for (const [href, after] of links) if (!after.includes(href)) problems.push(`${where}: ${href} prints as ${after}`);
        const marked = await page.$eval('body', () => {
          const mark = document.querySelector('#restricted-mark');
          return Boolean(mark && getComputedStyle(mark).display !== 'none' && mark.textContent.includes('Restricted — not for publication'));
        });
        if (marked !== (who === 'coordinator')) problems.push(`${where}: restricted marker ${marked ? 'shown' : 'missing'}`);
        if (path === '/') {
          const months = await page.$eval('#months', (t) => t.getClientRects().length > 0 && t.querySelectorAll('tbody tr').length);
          if (!months) problems.push(`${where}: the month table is not printed`);
        }
        if (['/', '/records', '/contributors', '/requirements', '/funding'].includes(path)) {
          writeFileSync(join(artifacts, `readable-print-${who}-${nameOf(path)}.pdf`), await page.pdf({ format: 'A4', printBackground: true }));
        }
        await page.close();
      }
    }
    assert(sources > 0, 'some page links a source on another site');
    assert(problems.length === 0, problems.slice(0, 8).join('\n     '));
    await coordinator.close();
  });
}
// ---- end of readable everywhere ----

await browser.close();
server.kill('SIGTERM');
await new Promise((done) => server.on('exit', done));
rmSync(work, { recursive: true, force: true });
console.log(`browser: ${passed} passed, ${failures.length} failed; screenshots in ${artifacts}`);
process.exit(failures.length === 0 ? 0 : 1);
