// Screenshots of every page at 1366×768 into docs/screenshots/ (for the README and for a person to
// look at), with records in every state so that no page is shown empty. Each page must answer
// 200 and lay out without horizontal scrolling at that width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pcs, office, visitors, openBrowser, login, fillIntake, amer, screenshot } from '../lib/harness.mjs';

let kiosk;
let staff;
const shots = [];

/** Opens `path` on `page`, checks the answer, waits for the timers to tick, takes the picture. */
async function shoot(page, name, path, { status = 200 } = {}) {
  if (path) {
    const res = await page.goto(`${pcs.pc1.url}${path}`);
    assert.equal(res.status(), status, `${path} answers ${status}`);
  }
  await page.waitForLoadState('load');
  await page.waitForTimeout(1200); // timers show real text after their first tick
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${name}: the page is ${overflow} px wider than 1366 px`);
  await screenshot(page, name);
  shots.push(name);
}

before(async () => {
  kiosk = await openBrowser('shots-kiosk');
  staff = await openBrowser('shots-staff');
  // Records in every state on PC 1: waiting, assigned, in service, finished, rated.
  const reg = (v, category, subject) =>
    amer(pcs.pc1, ['session', 'new', '--category', category, '--visitor', v.name, '--org', v.org, '--phone', v.phone, '--subject', subject]).ticket;
  const t = [
    reg(visitors[1], 'konsultasi', 'Syarat kualifikasi tender gedung kantor'),
    reg(visitors[2], 'pengaduan', 'Pengumuman pemenang terlambat diunggah'),
    reg(visitors[3], 'sanggahan', 'Sanggahan hasil evaluasi paket jalan'),
    reg(visitors[4], 'konsultasi', 'Konsultasi e-katalog obat'),
    reg(visitors[5], 'konsultasi', 'Cara mendaftar di SPSE'),
  ];
  const by = (p) => ({ by: p.nip });
  amer(pcs.pc1, ['session', 'assign', t[1], '--officer', office.officer.nip], by(office.kasubag));
  amer(pcs.pc1, ['session', 'assign', t[2], '--officer', office.officer.nip], by(office.kasubag));
  amer(pcs.pc1, ['session', 'start', t[2]], by(office.officer));
  amer(pcs.pc1, ['session', 'notes', t[2], '--append', 'Pengunjung membawa salinan dokumen evaluasi.'], by(office.officer));
  amer(pcs.pc1, ['session', 'assign', t[3], '--officer', office.officer2.nip], by(office.kasubag));
  amer(pcs.pc1, ['session', 'start', t[3]], by(office.officer2));
  amer(pcs.pc1, ['session', 'finish', t[3], '--notes', 'Dijelaskan alur e-katalog.'], by(office.officer2));
  amer(pcs.pc1, ['session', 'rate', t[3], '--score', '5', '--signed'], by(office.officer2));
  // Two risks in the register, one of them assessed again after treatment.
  const r1 = amer(pcs.pc1, ['risk', 'add', '--title', 'Persekongkolan harga penawaran', '--stage', 'pemilihan',
    '--event', 'Peserta mengatur harga penawaran', '--likelihood', '4', '--impact', '4', '--category', 'fraud',
    '--owner', 'Pokja Pemilihan'], by(office.kasubag));
  amer(pcs.pc1, ['risk', 'assess', r1.code, '--residual', '--likelihood', '2', '--impact', '3'], by(office.kasubag));
  amer(pcs.pc1, ['risk', 'add', '--title', 'Spesifikasi teknis mengarah ke merek', '--stage', 'perencanaan',
    '--event', 'Spesifikasi menyebut satu merek', '--likelihood', '3', '--impact', '3', '--owner', 'PPK'], by(office.kasubag));
});

after(async () => {
  await kiosk?.close();
  await staff?.close();
  console.log(`# ${shots.length} screenshots in docs/screenshots/: ${shots.join(', ')}`);
});

test('the kiosk pages: intake, intake with messages, ticket', async () => {
  const page = kiosk.page;
  await shoot(page, '01-pendaftaran', '/pendaftaran');
  await page.getByTestId('field-phone').fill('12-ab');
  await page.getByTestId('field-name').fill(visitors[0].name);
  await page.getByTestId('field-consent').check();
  await Promise.all([page.waitForLoadState('load'), page.getByTestId('intake-submit').click()]);
  await page.getByTestId('error-phone').waitFor();
  await page.getByTestId('error-phone').scrollIntoViewIfNeeded();
  await shoot(page, '02-pendaftaran-pesan-kesalahan');
  await page.goto(`${pcs.pc1.url}/pendaftaran`);
  await fillIntake(page, { ...visitors[0], subject: 'Jadwal masa sanggah paket jalan', consent: true });
  await Promise.all([page.waitForURL(/\/tiket\//), page.getByTestId('intake-submit').click()]);
  await shoot(page, '03-tiket');
});

test('the staff pages: login, queue board, my sessions, service, rating, thanks', async () => {
  const page = staff.page;
  await shoot(page, '04-masuk', '/masuk?next=/antrian');
  await login(page, pcs.pc1, office.officer, '/antrian');
  await shoot(page, '05-antrian', '/antrian');
  await shoot(page, '06-layanan', '/layanan');
  const inService = page.locator('[data-testid="my-row"][data-status="in_service"]').first();
  await Promise.all([page.waitForURL(/\/layanan\/[0-9a-f-]{36}$/), inService.getByTestId('open-session').click()]);
  await shoot(page, '07-layanan-sesi');
  const id = new URL(page.url()).pathname.split('/').pop();
  await page.getByTestId('field-recommendation').fill('Unggah ulang dokumen melalui SPSE.');
  await Promise.all([page.waitForURL(`**/layanan/${id}/nilai`), page.getByTestId('finish-button').click()]);
  await shoot(page, '08-penilaian');
  await Promise.all([page.waitForURL(`**/layanan/${id}/terima-kasih`), page.getByTestId('rate-5').click()]);
  await shoot(page, '09-terima-kasih');
});

test('the office pages: dashboard, risks, synchronisation', async () => {
  const page = staff.page;
  await login(page, pcs.pc1, office.kasubag, '/dasbor');
  await shoot(page, '10-dasbor', '/dasbor?period=all');
  await shoot(page, '11-risiko', '/risiko');
  const risk = page.getByTestId('risk-row').first();
  await risk.waitFor();
  await shoot(page, '12-risiko-rinci', `/risiko/${await risk.getAttribute('data-id')}`);
  await shoot(page, '13-sinkronisasi', '/sinkronisasi');
  const invite = page.getByTestId('invite-button');
  await Promise.all([page.waitForLoadState('load'), invite.click()]);
  await page.getByTestId('invite-code').waitFor();
  await shoot(page, '14-sinkronisasi-undangan');
});

test('English: the queue board and the intake form', async () => {
  await shoot(staff.page, '15-queue-en', '/antrian?lang=en');
  assert.equal(await staff.page.locator('html').getAttribute('lang'), 'en');
  await shoot(kiosk.page, '16-intake-en', '/pendaftaran?lang=en');
  await kiosk.page.goto(`${pcs.pc1.url}/pendaftaran?lang=id`);
  await staff.page.goto(`${pcs.pc1.url}/antrian?lang=id`);
});
