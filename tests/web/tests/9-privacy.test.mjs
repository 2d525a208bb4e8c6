// Runs last: after every page was used on both PCs, no visitor's name, phone number or NIK is in
// either PC's log file, in what `amer serve` printed, or in plain text in the database files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pcs, visitors } from '../lib/harness.mjs';

/** The ways a value may be written: as typed, and the phone number normalised (08… → +628… / 628…). */
function forms(v) {
  const out = [v.name, v.nik, v.phone];
  const digits = v.phone.replace(/\D/g, '');
  out.push(digits, `62${digits.slice(1)}`);
  return out;
}

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

for (const pc of [pcs.pc1, pcs.pc2]) {
  test(`${pc.name}: no personal data in the logs or in plain text in the database`, () => {
    const logs = [...filesUnder(path.join(pc.home, 'logs')), pc.log, pc.log.replace(/\.err$/, '.out')].filter((f) => fs.existsSync(f));
    assert.ok(logs.some((f) => f.endsWith('amer.log')), `${pc.name} has a log file`);
    const logText = logs.map((f) => fs.readFileSync(f, 'latin1')).join('\n');
    assert.ok(logText.includes('front desk started'), `${pc.name}: the scan reads the real log of amer serve`);
    const dbs = filesUnder(pc.home).filter((f) => /\.db(-wal)?$/.test(f));
    assert.ok(dbs.length >= 1, 'a database file');
    const dbBytes = Buffer.concat(dbs.map((f) => fs.readFileSync(f)));
    for (const v of visitors) {
      for (const secret of forms(v)) {
        assert.ok(!logText.includes(secret), `${pc.name}: a visitor's personal value is in a log`);
        assert.equal(dbBytes.indexOf(Buffer.from(secret, 'utf8')), -1, `${pc.name}: a visitor's personal value is stored in plain text`);
      }
    }
  });
}
