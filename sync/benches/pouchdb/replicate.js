// PouchDB 9 replication of session documents between two Node processes on loopback, with the
// bytes on the wire counted by a TCP relay: the reference of issue #4's byte target, measured
// with the documents AMER carries (sealed visitor record, the visitor's key record) as well as
// with the personal data in plain text. Run: bash sync/benches/pouchdb/run.sh [DOCS]
'use strict';
const fs = require('fs');
const net = require('net');
const path = require('path');
const crypto = require('crypto');
const { spawn } = require('child_process');

const PouchDB = require('pouchdb-node').plugin(require('pouchdb-adapter-memory'));

// The sync bench's word lists, read from its source so both benches draw the same text.
function lists() {
  const src = fs.readFileSync(path.join(__dirname, '..', 'sync_bench.rs'), 'utf8');
  const list = (name) => {
    const m = src.match(new RegExp(`const ${name}: &\\[&str\\] = &\\[([\\s\\S]*?)\\];`));
    return [...m[1].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => x[1]);
  };
  return { names: list('NAMES'), orgs: list('ORGS'), opd: list('OPD'), subjects: list('SUBJECTS'), sentences: list('SENTENCES') };
}

function rng(seed) {
  let s = BigInt(seed);
  return () => {
    s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return Number(s >> 33n);
  };
}

function docs(n, sealed) {
  const w = lists();
  const next = rng(42);
  const pick = (a) => a[next() % a.length];
  const out = [];
  const t0 = Date.UTC(2026, 0, 5, 1, 0, 0);
  for (let i = 0; i < n; i++) {
    let description = '';
    while (description.length < 700) description += (description ? ' ' : '') + pick(w.sentences);
    const visitorId = crypto.randomUUID();
    const at = t0 + i * 37_000 + (next() % 30_000);
    const doc = {
      _id: `session:${crypto.randomUUID()}`,
      kind: 'session',
      ticket: `K-260105-A-${String(i % 1000).padStart(3, '0')}`,
      category: pick(['konsultasi', 'konsultasi', 'konsultasi', 'pengaduan']),
      channel: 'langsung',
      visitor: { id: visitorId, org: pick(w.orgs), role: 'penyedia' },
      subject: `${pick(w.subjects)} nomor ${i}`,
      description,
      package: {
        code: `RUP-${40_000_000 + (next() % 9_000_000)}`,
        name: `Pembangunan jalan usaha tani kampung ${pick(['Linggang', 'Mencimai', 'Sekolaq', 'Tering', 'Melak'])}`,
        opd: pick(w.opd),
        year: 2026,
        value: ((next() % 5000) + 100) * 1_000_000,
      },
      registered: { at, by: null, device: 'A' },
    };
    const phone = `0812${String(next() % 100_000_000).padStart(8, '0')}`;
    if (sealed) {
      // What AMER's documents carry: the personal fields sealed (ChaCha20-Poly1305 of their
      // JSON: 12-byte nonce, ciphertext, 16-byte tag), and beside the document the visitor's
      // key record (its 32-byte key and the 16-byte phone hash).
      const plain = JSON.stringify({ name: pick(w.names), phone, address: 'Jl. Sendawar Raya No. 12, Barong Tongkok, Kutai Barat' });
      doc.visitor.sealed = crypto.randomBytes(12 + Buffer.byteLength(plain) + 16).toString('base64');
      out.push(doc);
      out.push({
        _id: `key:${visitorId}`,
        key: crypto.randomBytes(32).toString('base64'),
        phone_hash: crypto.randomBytes(16).toString('base64'),
        created_at: at,
      });
    } else {
      doc.visitor.name = pick(w.names);
      doc.visitor.phone = phone;
      doc.visitor.address = 'Jl. Sendawar Raya No. 12, Barong Tongkok, Kutai Barat';
      out.push(doc);
    }
  }
  return out;
}

async function server(n, sealed) {
  const express = require('express');
  const compression = require('compression');
  const Memory = PouchDB.defaults({ adapter: 'memory' });
  const db = new Memory('src');
  const all = docs(n, sealed);
  for (let i = 0; i < all.length; i += 1000) await db.bulkDocs(all.slice(i, i + 1000));
  const app = express();
  app.use(compression());
  app.use('/', require('express-pouchdb')(Memory, { mode: 'minimumForPouchDB', logPath: '/dev/null' }));
  const srv = app.listen(0, '127.0.0.1', () => process.stdout.write(`${srv.address().port}\n`));
}

function relay(target) {
  const counts = { up: 0, down: 0 };
  const srv = net.createServer((c) => {
    const s = net.connect(target, '127.0.0.1');
    c.on('data', (d) => { counts.up += d.length; s.write(d); });
    s.on('data', (d) => { counts.down += d.length; c.write(d); });
    c.on('end', () => s.end());
    s.on('end', () => c.end());
    c.on('error', () => s.destroy());
    s.on('error', () => c.destroy());
  });
  return new Promise((res) => srv.listen(0, '127.0.0.1', () => res({ port: srv.address().port, counts })));
}

async function client(n, sealed) {
  const child = spawn(process.execPath, [__filename, 'server', String(n), sealed ? 'sealed' : 'plain'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((res) => child.stdout.once('data', (d) => res(Number(String(d).trim()))));
  const r = await relay(port);
  const dst = new (PouchDB.defaults({ adapter: 'memory' }))('dst');
  const started = process.hrtime.bigint();
  const result = await PouchDB.replicate(`http://127.0.0.1:${r.port}/src`, dst, { batch_size: Number(process.env.POUCH_BATCH || 100) });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const info = await dst.info();
  child.kill();
  const bytes = r.counts.up + r.counts.down;
  console.log(JSON.stringify({
    pouchdb: require('pouchdb-node/package.json').version,
    documents: sealed ? 'sealed visitor record + key record (as AMER)' : 'personal data in plain text',
    sessions: n, docs_written: result.docs_written, doc_count: info.doc_count,
    ms: Math.round(ms), bytes_on_wire: bytes, bytes_per_session: Math.round(bytes / n * 10) / 10,
  }));
  process.exit(0);
}

const [role, n, variant] = process.argv.slice(2);
if (role === 'server') server(Number(n), variant === 'sealed');
else client(Number(role || 10000), (n || 'sealed') === 'sealed');
