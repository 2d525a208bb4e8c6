// The officer's notes merge with an edit made on the other PC: PC 2 appends a line while the
// editor is open on PC 1; the open editor shows it without a reload, the officer's own typing is
// autosaved, and both PCs end with both texts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pcs, office, visitors, openBrowser, login, eventually, amer, showSession } from '../lib/harness.mjs';

let b;
before(async () => {
  b = await openBrowser('notes');
});
after(async () => {
  await b?.close();
});

test('notes typed on PC 1 and appended on PC 2 at the same time are both kept', async () => {
  const v = visitors[2];
  const { ticket, id } = amer(pcs.pc1, ['session', 'new', '--category', 'konsultasi', '--visitor', v.name, '--phone', v.phone, '--subject', 'Catatan dari dua PC']);
  amer(pcs.pc1, ['session', 'assign', ticket, '--officer', office.officer.nip], { by: office.kasubag.nip });
  amer(pcs.pc1, ['session', 'start', ticket], { by: office.officer.nip });
  amer(pcs.pc1, ['session', 'notes', ticket, '--append', 'Baris pertama dari PC 1.'], { by: office.officer.nip });

  const page = b.page;
  await login(page, pcs.pc1, office.officer, `/layanan/${id}`);
  const editor = page.getByTestId('notes-editor');
  assert.match(await editor.inputValue(), /Baris pertama dari PC 1\./);
  await page.evaluate(() => {
    window.__amerNoReload = 1;
  });

  // PC 2 receives the session, then its Kasubag appends a line there.
  await eventually('the session on PC 2', async () => showSession(pcs.pc2, ticket)?.status === 'in_service', { timeout: 30_000 });
  amer(pcs.pc2, ['session', 'notes', ticket, '--append', 'Tambahan Kasubag dari PC 2.'], { by: office.kasubag.nip });
  await eventually('the open editor on PC 1 to show the line from PC 2', async () =>
    /Tambahan Kasubag dari PC 2\./.test(await editor.inputValue()), { timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.__amerNoReload), 1, 'the page was not reloaded');

  // The officer types at the end; autosave merges it.
  await editor.press('Control+End');
  await editor.type('\nKetikan petugas di PC 1.');
  await eventually('the autosave', async () => /tersimpan/.test(await page.getByTestId('notes-status').innerText()));

  for (const pc of [pcs.pc1, pcs.pc2]) {
    const notes = await eventually(`all three lines on ${pc.name}`, async () => {
      const n = showSession(pc, ticket)?.notes ?? '';
      return ['Baris pertama dari PC 1.', 'Tambahan Kasubag dari PC 2.', 'Ketikan petugas di PC 1.'].every((l) => n.includes(l)) ? n : null;
    }, { timeout: 30_000 });
    assert.equal(notes.match(/Baris pertama dari PC 1\./g).length, 1, `${pc.name}: no line doubled`);
    assert.equal(notes.match(/Tambahan Kasubag dari PC 2\./g).length, 1, `${pc.name}: no line doubled`);
  }
});
