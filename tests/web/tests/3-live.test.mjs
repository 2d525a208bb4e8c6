// The queue board updates live: a session registered on the other PC appears on PC 2's board
// without a reload, and its move to "in service" (started on PC 1) follows; the timers tick.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pcs, office, visitors, openBrowser, login, fillIntake, eventually, amer } from '../lib/harness.mjs';

let board; // PC 2, the Kasubag's queue board
let kiosk; // PC 1
let navigations = 0;

before(async () => {
  board = await openBrowser('board');
  kiosk = await openBrowser('kiosk2');
  await login(board.page, pcs.pc2, office.kasubag, '/antrian');
  board.page.on('framenavigated', (f) => {
    if (f === board.page.mainFrame()) navigations++;
  });
  // A marker that a reload would wipe out.
  await board.page.evaluate(() => {
    window.__amerNoReload = 'still here';
  });
});

after(async () => {
  await board?.close();
  await kiosk?.close();
});

const row = (ticket) => board.page.locator(`[data-testid="queue-row"][data-ticket="${ticket}"]`);
const count = async (id) => Number((await board.page.getByTestId(id).innerText()).trim());

test('a session registered on PC 1 appears on the PC 2 board without a reload', async () => {
  const page = board.page;
  const waitingBefore = await count('count-waiting');
  // The visitor registers on PC 1's kiosk.
  const v = { ...visitors[4], category: 'pengaduan', consent: true };
  await kiosk.page.goto(`${pcs.pc1.url}/pendaftaran`);
  await fillIntake(kiosk.page, v);
  await Promise.all([kiosk.page.waitForURL(/\/tiket\//), kiosk.page.getByTestId('intake-submit').click()]);
  const ticket = (await kiosk.page.getByTestId('ticket-number').innerText()).trim();
  assert.match(ticket, /^P-/, 'a pengaduan ticket');

  const started = Date.now();
  await row(ticket).waitFor({ timeout: 20_000 });
  const seconds = (Date.now() - started) / 1000;
  assert.equal(await page.evaluate(() => window.__amerNoReload), 'still here', 'the page was not reloaded');
  assert.equal(navigations, 0, 'no navigation happened');
  assert.equal(await count('count-waiting'), waitingBefore + 1, 'the waiting count follows');
  assert.equal(await row(ticket).getAttribute('data-status'), 'registered');
  console.log(`# the board showed ${ticket} ${seconds.toFixed(1)} s after it was registered on the other PC`);

  // The waiting timer ticks.
  const timer = row(ticket).getByTestId('wait-timer');
  const t1 = await timer.innerText();
  await eventually('the waiting timer to tick', async () => (await timer.innerText()) !== t1, { timeout: 5_000 });
  assert.match(await timer.innerText(), /detik|menit/);

  // Assigned and started on PC 1 (by the command line there): the row moves to "in service".
  amer(pcs.pc1, ['session', 'assign', ticket, '--officer', office.officer2.nip], { by: office.kasubag.nip });
  amer(pcs.pc1, ['session', 'start', ticket], { by: office.officer2.nip });
  const serving = page.locator(`[data-testid="queue-serving"] [data-testid="queue-row"][data-ticket="${ticket}"]`);
  await serving.waitFor({ timeout: 20_000 });
  assert.equal(await serving.getAttribute('data-status'), 'in_service');
  assert.equal((await serving.getByTestId('row-officer').innerText()).trim(), office.officer2.name);
  const st = serving.getByTestId('service-timer');
  const s1 = await st.innerText();
  await eventually('the service timer to tick', async () => (await st.innerText()) !== s1, { timeout: 5_000 });
  assert.equal(await row(ticket).count(), 1, 'one row per session');
  assert.equal(await page.evaluate(() => window.__amerNoReload), 'still here', 'still no reload');
  assert.equal(navigations, 0);
});

test('the event stream carries ids and kinds only, no personal data', async () => {
  const page = board.page;
  // Read the SSE stream from inside the page for a moment while a session is registered.
  const collecting = page.evaluate(
    () =>
      new Promise((resolve) => {
        const seen = [];
        const es = new EventSource('/peristiwa');
        es.addEventListener('change', (e) => seen.push(e.data));
        setTimeout(() => {
          es.close();
          resolve(seen);
        }, 6000);
      }),
  );
  await new Promise((r) => setTimeout(r, 500));
  const v = visitors[3];
  amer(pcs.pc1, ['session', 'new', '--category', 'konsultasi', '--visitor', v.name, '--phone', v.phone, '--nik', v.nik, '--subject', 'Acara langsung']);
  const seen = await collecting;
  assert.ok(seen.length >= 1, 'the change arrived as an event');
  for (const data of seen) {
    const ev = JSON.parse(data);
    assert.ok(['session', 'staff', 'risk', 'office', 'key'].includes(ev.kind), data);
    for (const secret of [v.name, v.phone, v.nik, 'Acara langsung']) assert.ok(!data.includes(secret), `no personal data in ${data}`);
  }
});
