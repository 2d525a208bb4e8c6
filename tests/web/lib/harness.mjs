// Shared helpers of the browser tests: the two PCs that tests/web/run.sh started, one Chromium
// per PC (a fresh profile each), staff login, the `amer` command on either home folder, PDF text.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests through tests/web/run.sh`);
  return v;
}

export const office = {
  admin: { nip: '198503122010011003', name: 'Andi Admin' },
  kasubag: { nip: '197901152005012001', name: 'Sari Kasubag' },
  officer: { nip: '199002202015031002', name: 'Budi Petugas' },
  officer2: { nip: '199105102016041001', name: 'Dewi Petugas' },
  viewer: { nip: '198807072012012002', name: 'Vina Peninjau' },
  retired: { nip: '196505051990031001', name: 'Hendra Pensiun' },
};

/** The two PCs: web address, home folder, the log file of their `amer serve`. */
export const pcs = {
  pc1: { name: 'PC 1', url: env('AMER_WEB_PC1_URL'), home: env('AMER_WEB_PC1'), log: env('AMER_WEB_PC1_LOG') },
  pc2: { name: 'PC 2', url: env('AMER_WEB_PC2_URL'), home: env('AMER_WEB_PC2'), log: env('AMER_WEB_PC2_LOG') },
};
export const PIN = env('AMER_WEB_PIN');
export const WORK = env('AMER_WEB_WORK');
export const SCREENSHOTS = env('AMER_WEB_SCREENSHOTS');

/** Launch options known to work on this machine (Debian's Chromium, closed network). */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * One browser for one PC, with a fresh profile folder, a 1366×768 window and Indonesian as the
 * browser's language. Returns { context, page, close }.
 */
export async function openBrowser(label = 'pc') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `amer-chromium-${label}-`));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.AMER_WEB_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    viewport: { width: 1366, height: 768 },
    locale: 'id-ID',
    timezoneId: 'Asia/Makassar',
    acceptDownloads: true,
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Logs a staff member in on `page` at `pc` (name picked from the list, PIN typed). */
export async function login(page, pc, person, next = '/antrian') {
  await page.goto(`${pc.url}/masuk?next=${encodeURIComponent(next)}`);
  await page.getByTestId('login-name').selectOption(person.nip);
  await page.getByTestId('login-pin').fill(PIN);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/masuk')), page.getByTestId('login-submit').click()]);
  await assertVisibleText(page.getByTestId('whoami'), person.name);
}

export async function assertVisibleText(locator, text) {
  await locator.waitFor({ state: 'visible' });
  const got = (await locator.innerText()).trim();
  assert.ok(got.includes(text), `expected “${text}” in “${got}”`);
}

/** Runs `amer --json ARGS` on a PC's home folder and returns the parsed document. */
export function amer(pc, args, { by } = {}) {
  const all = ['--home', pc.home, ...(by ? ['--by', by] : []), ...args, '--json'];
  const clean = { ...process.env, NO_COLOR: '1' };
  for (const k of ['AMER_HOME', 'AMER_USER', 'AMER_LOG', 'AMER_LANG']) delete clean[k];
  const out = execFileSync(env('AMER_BIN'), all, { encoding: 'utf8', env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out);
}

/** The session with this ticket as `amer session show` gives it, or null while it is unknown
 * on that PC (exit code 1: not there yet); any other failure throws. */
export function showSession(pc, ticket) {
  try {
    return amer(pc, ['session', 'show', ticket]);
  } catch (e) {
    if (e.status === 1) return null;
    throw new Error(`amer session show failed (exit ${e.status}): ${e.stderr}`);
  }
}

/** Polls `fn` until it returns a truthy value (returned) or the time is up (throws `what`). */
export async function eventually(what, fn, { timeout = 20_000, every = 200 } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** The text of a PDF (pdftotext from poppler-utils), whitespace collapsed. */
export function pdfText(bytes) {
  assert.equal(Buffer.from(bytes.subarray(0, 5)).toString('latin1'), '%PDF-', 'the file is a PDF');
  const file = path.join(WORK, `read-${process.pid}-${Date.now()}.pdf`);
  fs.writeFileSync(file, bytes);
  try {
    return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Downloads what clicking `locator` gives (a download or a page that is the file); returns bytes. */
export async function download(page, locator) {
  const href = await locator.getAttribute('href');
  assert.ok(href, 'the download link has an address');
  const res = await page.request.get(new URL(href, page.url()).toString());
  assert.equal(res.status(), 200, `GET ${href}`);
  return { bytes: await res.body(), type: res.headers()['content-type'] ?? '', href };
}

/** Saves a 1366×768 screenshot (the viewport, not the whole page) as docs/screenshots/NAME.png. */
export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

// The run's id (seconds since the epoch, set by run.sh): phone numbers differ from run to run,
// so a returning visitor is recognised only when a test means it.
const RUN = (process.env.AMER_WEB_RUN || String(Math.floor(Date.now() / 1000))).slice(-6);

/** The visitors of the tests. Every value here is personal data: the privacy test looks for each
 * of them in the logs. */
export const visitors = [
  { name: 'Rina Wulandari', org: 'CV Maju Jaya', role: 'penyedia', nik: '6407015203900001', subject: 'Jadwal sanggah paket jalan' },
  { name: 'Yohanes Lahang', org: 'PT Mahakam Konstruksi', role: 'penyedia', nik: '6407021104850003', subject: 'Syarat kualifikasi tender gedung' },
  { name: 'Maria Ngampung', org: 'Dinas Pendidikan', role: 'ppk', nik: '6407034512880002', subject: 'Pengaduan jadwal pengumuman' },
  { name: 'Stefanus Ding', org: 'CV Borneo Teknik', role: 'penyedia', nik: '6407040707790004', subject: 'Dokumen penawaran ganda' },
  { name: 'Agustina Hanyeq', org: 'Dinas Kesehatan', role: 'ppk', nik: '6407055009920005', subject: 'Konsultasi e-katalog obat' },
  { name: 'Petrus Ajang', org: 'CV Sendawar Mandiri', role: 'penyedia', nik: '6407061212810006', subject: 'Sanggahan hasil evaluasi' },
].map((v, i) => ({ ...v, phone: `0813${RUN}${String(i).padStart(2, '0')}`, category: 'konsultasi' }));

/** Fills the kiosk intake form with a visitor (missing keys stay empty). */
export async function fillIntake(page, v) {
  const text = ['name', 'org', 'phone', 'nik', 'subject', 'description', 'package_code', 'package_name', 'package_opd'];
  for (const k of text) {
    if (v[k] !== undefined) await page.getByTestId(`field-${k}`).fill(v[k]);
  }
  for (const k of ['role', 'category']) {
    if (v[k] !== undefined) await page.getByTestId(`field-${k}`).selectOption(v[k]);
  }
  if (v.consent) await page.getByTestId('field-consent').check();
}
