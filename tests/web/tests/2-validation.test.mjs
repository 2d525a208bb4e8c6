// Bad input on the kiosk and the login page: the server refuses with 422 (401 for a wrong PIN),
// the message stands next to its field, what was typed is kept, and nothing is stored. A double
// submit of one form creates one session. A returning visitor is recognised by phone number.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pcs, office, visitors, openBrowser, fillIntake, amer } from '../lib/harness.mjs';

let b;
before(async () => {
  b = await openBrowser('validation');
});
after(async () => {
  await b?.close();
});

/** Every session PC 1 holds: the proof that a refused form stored nothing. */
const sessionCount = () => amer(pcs.pc1, ['session', 'list']).length;
const feedSeq = () => amer(pcs.pc1, ['status']).feed_seq;

/** Submits the intake form; returns the HTTP status of the answer. */
async function submit(page) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/pendaftaran') && r.request().method() === 'POST'),
    page.getByTestId('intake-submit').click(),
  ]);
  await page.waitForLoadState('load');
  return res.status();
}

/** Asserts that error-FIELD is shown inside FIELD's own box, just below the input, and returns its text. */
async function errorNextTo(page, field) {
  const error = page.getByTestId(`error-${field}`);
  await error.waitFor({ state: 'visible' });
  const input = page.getByTestId(`field-${field}`);
  const box = page.locator('.field', { has: input });
  assert.equal(await box.getByTestId(`error-${field}`).count(), 1, `error-${field} is in the field's own box`);
  const e = await error.boundingBox();
  const i = await input.boundingBox();
  assert.ok(e && i, 'both are laid out');
  assert.ok(e.y >= i.y && e.y - (i.y + i.height) < 60, `error-${field} sits right below its input (${JSON.stringify({ e, i })})`);
  const text = (await error.innerText()).trim();
  assert.ok(text.length > 3, `error-${field} says something`);
  return text;
}

test('without the personal-data consent nothing is stored and the notice says why', async () => {
  const page = b.page;
  const [count, seq] = [sessionCount(), feedSeq()];
  await page.goto(`${pcs.pc1.url}/pendaftaran`);
  const v = visitors[1];
  await fillIntake(page, { ...v, consent: false });
  assert.equal(await submit(page), 422);
  const msg = await errorNextTo(page, 'consent');
  assert.match(msg, /persetujuan|setuju|pemberitahuan|data pribadi/i, msg);
  // What was typed is kept (the visitor does not type it again).
  assert.equal(await page.getByTestId('field-name').inputValue(), v.name);
  assert.equal(await page.getByTestId('field-subject').inputValue(), v.subject);
  assert.equal(sessionCount(), count, 'no session stored');
  assert.equal(feedSeq(), seq, 'nothing at all stored');
});

test('a missing name, a bad phone number and a bad NIK are named next to their fields', async () => {
  const page = b.page;
  const [count, seq] = [sessionCount(), feedSeq()];
  const v = visitors[1];
  const cases = [
    { field: 'name', values: { ...v, name: '   ' }, says: /nama|name/i },
    { field: 'phone', values: { ...v, phone: '12-ab' }, says: /telepon|nomor|phone/i },
    { field: 'nik', values: { ...v, nik: '123' }, says: /NIK|16/i },
    { field: 'subject', values: { ...v, subject: '' }, says: /perihal|pokok|subjek|subject|topik|hal/i },
  ];
  for (const c of cases) {
    await page.goto(`${pcs.pc1.url}/pendaftaran`);
    await fillIntake(page, { ...c.values, consent: true });
    assert.equal(await submit(page), 422, `${c.field}: refused with 422`);
    const msg = await errorNextTo(page, c.field);
    assert.match(msg, c.says, `${c.field}: ${msg}`);
    for (const other of ['name', 'phone', 'nik', 'subject'].filter((f) => f !== c.field)) {
      assert.equal(await page.getByTestId(`error-${other}`).count(), 0, `${c.field}: no message on ${other}`);
    }
    // The rejected value itself is not echoed into the message (it may be personal data).
    if (c.field === 'phone' || c.field === 'nik') assert.ok(!msg.includes(c.values[c.field]), msg);
    assert.equal(await page.getByTestId('field-org').inputValue(), v.org, 'typed values are kept');
    assert.equal(await page.getByTestId('field-consent').isChecked(), true, 'the consent stays ticked');
  }
  assert.equal(sessionCount(), count, 'no session stored');
  assert.equal(feedSeq(), seq, 'nothing at all stored');
});

test('messages follow the language: English on ?lang=en', async () => {
  const page = b.page;
  await page.goto(`${pcs.pc1.url}/pendaftaran?lang=en`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await fillIntake(page, { ...visitors[1], phone: '12-ab', consent: true });
  assert.equal(await submit(page), 422);
  const msg = await errorNextTo(page, 'phone');
  assert.match(msg, /phone|number/i, msg);
  assert.ok(!/nomor telepon/i.test(msg), `not Indonesian: ${msg}`);
  await page.goto(`${pcs.pc1.url}/pendaftaran?lang=id`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'id');
});

test('a double click on submit and a replayed form both make one session', async () => {
  const page = b.page;
  const v = visitors[2];
  const before = sessionCount();
  await page.goto(`${pcs.pc1.url}/pendaftaran`);
  await fillIntake(page, { ...v, consent: true });
  await Promise.all([page.waitForURL(/\/tiket\//), page.getByTestId('intake-submit').dblclick()]);
  const ticket = (await page.getByTestId('ticket-number').innerText()).trim();
  // The same form posted twice by a script (two requests, same token), from this app's origin.
  await page.goto(`${pcs.pc1.url}/pendaftaran`);
  const token = await page.locator('input[name="form_token"]').inputValue();
  assert.ok(token.length >= 16, 'the form carries a token');
  const form = { form_token: token, name: visitors[3].name, phone: visitors[3].phone, category: 'pengaduan', subject: visitors[3].subject, consent: '1' };
  const post = () => page.request.post(`${pcs.pc1.url}/pendaftaran`, { form, headers: { Origin: pcs.pc1.url }, maxRedirects: 0 });
  const [r1, r2] = await Promise.all([post(), post()]);
  assert.equal(r1.status(), 303);
  assert.equal(r2.status(), 303);
  assert.equal(r1.headers().location, r2.headers().location, 'both answers name the same ticket page');

  const list = amer(pcs.pc1, ['session', 'list']);
  assert.equal(list.length, before + 2, 'two forms, two sessions');
  assert.equal(list.filter((s) => s.subject === v.subject).length, 1, 'the double-clicked form made one session');
  assert.equal(list.filter((s) => s.subject === visitors[3].subject).length, 1, 'the replayed form made one session');
  assert.ok(list.some((s) => s.ticket === ticket));
});

test('a POST from another origin is refused and stores nothing', async () => {
  const page = b.page;
  await page.goto(`${pcs.pc1.url}/pendaftaran`);
  const token = await page.locator('input[name="form_token"]').inputValue();
  const count = sessionCount();
  const res = await page.request.post(`${pcs.pc1.url}/pendaftaran`, {
    form: { form_token: token, name: visitors[4].name, category: 'konsultasi', subject: 'Dari situs lain', consent: '1' },
    headers: { Origin: 'http://evil.example' },
    maxRedirects: 0,
  });
  assert.equal(res.status(), 403);
  assert.equal(sessionCount(), count);
});

test('a returning visitor is recognised by phone number and their details offered back', async () => {
  const page = b.page;
  const v = visitors[5];
  amer(pcs.pc1, ['session', 'new', '--category', 'konsultasi', '--visitor', v.name, '--org', v.org, '--phone', v.phone, '--subject', 'Kunjungan pertama']);
  await page.goto(`${pcs.pc1.url}/pendaftaran`);
  await page.getByTestId('field-phone').fill(v.phone);
  await Promise.all([page.waitForLoadState('load'), page.getByTestId('recognise').click()]);
  await page.getByTestId('returning').waitFor();
  assert.equal(await page.getByTestId('field-name').inputValue(), v.name);
  assert.equal(await page.getByTestId('field-org').inputValue(), v.org);
  assert.ok(!page.url().includes(v.phone.slice(-6)), 'the phone number is not in the URL');

  await page.goto(`${pcs.pc1.url}/pendaftaran`);
  await page.getByTestId('field-phone').fill('0899 0000 0001');
  await Promise.all([page.waitForLoadState('load'), page.getByTestId('recognise').click()]);
  await page.getByTestId('not-recognised').waitFor();
  assert.equal(await page.getByTestId('field-name').inputValue(), '');
});

test('a wrong PIN is refused next to the PIN field and nobody is signed in', async () => {
  const page = b.page;
  await page.goto(`${pcs.pc1.url}/masuk?next=/antrian`);
  await page.getByTestId('login-name').selectOption(office.kasubag.nip);
  await page.getByTestId('login-pin').fill('000000');
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/masuk') && r.request().method() === 'POST'),
    page.getByTestId('login-submit').click(),
  ]);
  assert.equal(res.status(), 401);
  await page.getByTestId('error-pin').waitFor();
  assert.equal(await page.getByTestId('whoami').count(), 0);
  await page.goto(`${pcs.pc1.url}/antrian`);
  assert.equal(new URL(page.url()).pathname, '/masuk', 'the queue board still needs a login');
});
