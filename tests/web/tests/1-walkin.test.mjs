// The whole walk-in flow across two PCs that sync over QUIC on loopback: a visitor registers on
// PC 1's kiosk, the Kasubag assigns an officer on PC 2's queue board, the officer serves on PC 1
// and the visitor rates there, and the service report PDF downloads with the ticket and rating.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  pcs, office, visitors, openBrowser, login, fillIntake, eventually, showSession, download, pdfText,
  assertVisibleText,
} from '../lib/harness.mjs';

const visitor = { ...visitors[0], description: 'Menanyakan jadwal masa sanggah paket jalan Barong Tongkok', consent: true };
let kiosk; // PC 1, the kiosk screen the visitor types on
let desk; // PC 1, the officer's screen
let kasubag; // PC 2
let ticket;
let sessionId;
// How the service report prints a rating of 4.
const RATING_IN_REPORT = /: 4 \(Baik\)/;

before(async () => {
  kiosk = await openBrowser('kiosk');
  desk = await openBrowser('officer');
  kasubag = await openBrowser('kasubag');
});

after(async () => {
  await kiosk?.close();
  await desk?.close();
  await kasubag?.close();
});

test('a visitor registers on the PC 1 kiosk and gets a ticket and the intake form', async () => {
  const page = kiosk.page;
  await page.goto(`${pcs.pc1.url}/`);
  assert.equal(new URL(page.url()).pathname, '/pendaftaran', '/ leads to the intake form');
  assert.equal(await page.locator('html').getAttribute('lang'), 'id', 'Indonesian by default');
  await page.getByTestId('privacy-notice').waitFor();
  await fillIntake(page, visitor);
  await Promise.all([page.waitForURL(/\/tiket\/[0-9a-f-]{36}$/), page.getByTestId('intake-submit').click()]);
  // Nothing personal in the address bar.
  for (const secret of [visitor.name, visitor.phone, visitor.nik]) {
    assert.ok(!decodeURIComponent(page.url()).includes(secret), 'no personal data in the URL');
  }
  sessionId = page.url().split('/').pop();
  ticket = (await page.getByTestId('ticket-number').innerText()).trim();
  assert.match(ticket, /^K-\d{6}-A-\d{3}$/, 'a konsultasi ticket of PC 1 (device A)');

  const pdf = await download(page, page.getByTestId('intake-pdf'));
  assert.match(pdf.type, /application\/pdf/);
  const text = pdfText(pdf.bytes);
  assert.ok(text.includes(ticket), `the intake form shows the ticket: ${text.slice(0, 400)}`);
  assert.ok(text.includes(visitor.name), 'the intake form shows the visitor');
  assert.ok(!text.includes(visitor.nik), 'the NIK is masked on paper');
});

test('the Kasubag sees it on the PC 2 queue board and assigns an officer', async () => {
  const page = kasubag.page;
  await login(page, pcs.pc2, office.kasubag, '/antrian');
  assert.equal(new URL(page.url()).pathname, '/antrian');
  // The session travels PC 1 → PC 2 over QUIC; the board shows it without a reload.
  const row = page.locator(`[data-testid="queue-waiting"] [data-testid="queue-row"][data-ticket="${ticket}"]`);
  await row.waitFor({ timeout: 30_000 });
  assert.equal(await row.getAttribute('data-status'), 'registered');
  assert.equal(await row.getAttribute('data-id'), sessionId);
  const wait = row.getByTestId('wait-timer');
  await eventually('the waiting timer to tick', async () => /detik|menit/.test(await wait.innerText()));

  // Only active staff who may serve are offered: no viewer, nobody inactive.
  const offered = await row.getByTestId('assign-select').locator('option').allInnerTexts();
  assert.ok(offered.includes(office.officer.name) && offered.includes(office.officer2.name), `${offered}`);
  assert.ok(!offered.includes(office.viewer.name), `a viewer cannot serve: ${offered}`);
  assert.ok(!offered.includes(office.retired.name), `an inactive officer is not offered: ${offered}`);
  await row.getByTestId('assign-select').selectOption(office.officer.nip);
  await Promise.all([page.waitForLoadState('load'), row.getByTestId('assign-button').click()]);
  const assigned = page.locator(`[data-testid="queue-row"][data-ticket="${ticket}"]`);
  await eventually('the row to show the assignment', async () => (await assigned.getAttribute('data-status')) === 'assigned');
  await assertVisibleText(assigned.getByTestId('row-officer'), office.officer.name);

  // Recorded on PC 2 by the Kasubag, attributed to PC 2's device.
  const s = showSession(pcs.pc2, ticket);
  assert.equal(s.status, 'assigned');
  assert.equal(s.assigned_by, office.kasubag.nip);
  const assign = s.history.find((h) => h.op === 'assign');
  assert.equal(assign.by, office.kasubag.nip);
  assert.equal(assign.device, 'A1', 'the assignment was made on PC 2');
});

test('the officer serves on PC 1, the visitor rates, the report PDF downloads', async () => {
  const page = desk.page;
  await login(page, pcs.pc1, office.officer, '/layanan');
  // The assignment travels PC 2 → PC 1.
  const row = page.locator(`[data-testid="my-row"][data-ticket="${ticket}"]`);
  await eventually('the assigned session to reach PC 1', async () => {
    if (await row.count()) return true;
    await page.reload();
    return false;
  }, { timeout: 30_000, every: 500 });
  await Promise.all([page.waitForURL(`**/layanan/${sessionId}`), row.getByTestId('open-session').click()]);
  assert.equal((await page.getByTestId('session-ticket').innerText()).trim(), ticket);
  assert.equal(await page.getByTestId('session-status').getAttribute('data-status'), 'assigned');

  await Promise.all([page.waitForLoadState('load'), page.getByTestId('start-button').click()]);
  await eventually('the status to be in service', async () => (await page.getByTestId('session-status').getAttribute('data-status')) === 'in_service');
  await page.getByTestId('service-timer').waitFor();

  const notes = page.getByTestId('notes-editor');
  await notes.fill('Menjelaskan jadwal masa sanggah sesuai Perpres 12/2021.');
  await eventually('the notes to be autosaved', async () => /tersimpan/.test(await page.getByTestId('notes-status').innerText()));
  assert.match(showSession(pcs.pc1, ticket).notes, /jadwal masa sanggah/, 'autosaved notes are in the store');

  await page.getByTestId('field-recommendation').fill('Ajukan sanggahan melalui SPSE dalam 5 hari kerja.');
  await Promise.all([page.waitForURL(`**/layanan/${sessionId}/nilai`), page.getByTestId('finish-button').click()]);

  // The rating screen the visitor taps: five labelled buttons.
  const labels = [];
  for (let i = 1; i <= 5; i++) labels.push((await page.getByTestId(`rate-${i}`).innerText()).replace(/\s+/g, ' ').trim());
  assert.match(labels[0], /Sangat Buruk/);
  assert.match(labels[4], /Sangat Baik/);
  await page.getByTestId('rate-comment').fill('Petugas ramah dan jelas');
  await page.getByTestId('rate-signed').check();
  await Promise.all([page.waitForURL(`**/layanan/${sessionId}/terima-kasih`), page.getByTestId('rate-4').click()]);

  const pdf = await download(page, page.getByTestId('report-pdf'));
  assert.match(pdf.type, /application\/pdf/);
  const text = pdfText(pdf.bytes);
  assert.ok(text.includes(ticket), `the service report shows the ticket: ${text.slice(0, 500)}`);
  assert.ok(text.includes(office.officer.name), 'the service report shows the officer');
  assert.match(text, RATING_IN_REPORT, 'the rating (4, Baik) is on the report');
  assert.ok(text.includes('Petugas ramah dan jelas'), "the visitor's comment is on the report");
  assert.ok(text.includes('Ajukan sanggahan melalui SPSE'), 'the recommendation');

  const s = showSession(pcs.pc1, ticket);
  assert.equal(s.status, 'rated');
  assert.equal(s.rating.score, 4);
  assert.equal(s.rating.label, 'Baik');
  assert.equal(s.rating.signed, true);
  assert.deepEqual(s.officer, { nip: office.officer.nip, name: office.officer.name });
  const byOp = Object.fromEntries(s.history.map((h) => [h.op, h]));
  assert.equal(byOp.start.by, office.officer.nip, 'the start is attributed to the officer');
  assert.equal(byOp.start.device, 'A', 'on PC 1');
});

test('the rated session reaches PC 2 and its queue board lets it go', async () => {
  const s = await eventually('the rating to reach PC 2', async () => {
    const v = showSession(pcs.pc2, ticket);
    return v?.status === 'rated' ? v : null;
  }, { timeout: 30_000 });
  assert.equal(s.rating.score, 4);
  const page = kasubag.page;
  await eventually('the row to leave the board', async () =>
    (await page.locator(`[data-testid="queue-row"][data-ticket="${ticket}"]`).count()) === 0);
});
