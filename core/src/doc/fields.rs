//! Typed access to Automerge maps: the only place that reads or writes raw document paths.
//! Facts (assignment, start, rating...) are written as a fresh map object under one root key, so
//! two PCs writing the same fact concurrently produce a conflict Automerge keeps and we report.

use automerge::iter::MapRangeItem;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, ScalarValueRef, Value, ValueRef, ROOT};

use crate::model::{Conflict, ConflictValue, Stamp};
use crate::Result;

/// Read helpers over one map object. The map's visible entries are read once, in one pass
/// over the object's ops (`map_range`), and looked up from there: a session is projected from
/// about forty fields, and a lookup per field through the document costs several times more.
pub(crate) struct MapReader<'a> {
    pub doc: &'a AutoCommit,
    pub obj: ObjId,
    /// The visible entries, sorted by key.
    entries: Vec<MapRangeItem<'a>>,
}

impl<'a> MapReader<'a> {
    pub fn root(doc: &'a AutoCommit) -> Self {
        Self::new(doc, ROOT)
    }
    fn new(doc: &'a AutoCommit, obj: ObjId) -> Self {
        let mut entries: Vec<MapRangeItem<'a>> = doc.map_range(&obj, ..).collect();
        if !entries.is_sorted_by(|a, b| a.key <= b.key) {
            entries.sort_by(|a, b| a.key.cmp(&b.key));
        }
        MapReader { doc, obj, entries }
    }
    fn entry(&self, key: &str) -> Option<&MapRangeItem<'a>> {
        self.entries.binary_search_by(|e| e.key.as_ref().cmp(key)).ok().map(|i| &self.entries[i])
    }
    fn scalar(&self, key: &str) -> Option<&ScalarValueRef<'a>> {
        match &self.entry(key)?.value {
            ValueRef::Scalar(s) => Some(s),
            ValueRef::Object(_) => None,
        }
    }
    pub fn str(&self, key: &str) -> Option<String> {
        match self.scalar(key)? {
            ScalarValueRef::Str(s) => Some(s.to_string()),
            _ => None,
        }
    }
    pub fn i64(&self, key: &str) -> Option<i64> {
        match self.scalar(key)? {
            ScalarValueRef::Int(i) => Some(*i),
            ScalarValueRef::Uint(u) => i64::try_from(*u).ok(),
            ScalarValueRef::Timestamp(t) => Some(*t),
            _ => None,
        }
    }
    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.scalar(key)? {
            ScalarValueRef::Boolean(b) => Some(*b),
            _ => None,
        }
    }
    pub fn bytes(&self, key: &str) -> Option<Vec<u8>> {
        match self.scalar(key)? {
            ScalarValueRef::Bytes(b) => Some(b.to_vec()),
            _ => None,
        }
    }
    /// A nested map (the winning value when conflicted).
    pub fn map(&self, key: &str) -> Option<MapReader<'a>> {
        let e = self.entry(key)?;
        matches!(e.value, ValueRef::Object(ObjType::Map)).then(|| MapReader::new(self.doc, e.id()))
    }
    /// Text content of a text object, or a plain string (older documents).
    pub fn text(&self, key: &str) -> Option<String> {
        let e = self.entry(key)?;
        match &e.value {
            ValueRef::Object(ObjType::Text) => self.doc.text(e.id()).ok(),
            ValueRef::Scalar(ScalarValueRef::Str(s)) => Some(s.to_string()),
            _ => None,
        }
    }
    pub fn keys(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.key.to_string()).collect()
    }
    pub fn stamp(&self) -> Option<Stamp> {
        Some(Stamp {
            at: self.i64("at")?,
            by: self.str("by"),
            device: self.str("device").unwrap_or_default(),
        })
    }
    /// Every map value under `key` rendered as JSON, the winner first; nothing is rendered
    /// when the key holds one value (the usual case).
    fn all_values(&self, key: &str) -> Vec<ConflictValue> {
        let mut all = self.doc.get_all(&self.obj, key).unwrap_or_default();
        if all.len() < 2 {
            return Vec::new();
        }
        // get_all returns values in op order; get() picks the winner: put it first.
        let winner = self.doc.get(&self.obj, key).ok().flatten().map(|(_, id)| id);
        all.sort_by_key(|(_, id)| Some(id) != winner.as_ref());
        all.into_iter()
            .map(|(v, id)| match v {
                Value::Object(ObjType::Map) => {
                    let m = MapReader::new(self.doc, id);
                    ConflictValue { value: m.to_json(), stamp: m.stamp() }
                }
                Value::Object(ObjType::Text) => ConflictValue {
                    value: serde_json::Value::String(self.doc.text(&id).unwrap_or_default()),
                    stamp: None,
                },
                Value::Object(_) => ConflictValue { value: serde_json::Value::Null, stamp: None },
                Value::Scalar(s) => ConflictValue { value: scalar_json(&s), stamp: None },
            })
            .collect()
    }
    /// The conflicts among this map's keys, except `skip`.
    pub fn conflicts(&self, skip: &[&str]) -> Vec<Conflict> {
        let mut out = Vec::new();
        for e in self.entries.iter().filter(|e| e.conflict) {
            let key = e.key.to_string();
            if skip.contains(&key.as_str()) {
                continue;
            }
            let mut values = self.all_values(&key);
            if values.len() < 2 {
                continue;
            }
            // Identical concurrent writes (e.g. the same migration on two PCs) are no conflict.
            let winner = values.remove(0);
            values.retain(|v| v != &winner);
            values.dedup();
            if !values.is_empty() {
                out.push(Conflict { field: key, winner, others: values });
            }
        }
        out
    }
    /// The map as JSON (nested maps included; stamps are reported separately, so `at`, `by`
    /// and `device` are left out).
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for e in &self.entries {
            if matches!(e.key.as_ref(), "at" | "by" | "device") {
                continue;
            }
            let v = match &e.value {
                ValueRef::Scalar(s) => scalar_json(&ScalarValue::from(s)),
                ValueRef::Object(ObjType::Map) => MapReader::new(self.doc, e.id()).to_json(),
                ValueRef::Object(ObjType::Text) => {
                    serde_json::Value::String(self.doc.text(e.id()).unwrap_or_default())
                }
                ValueRef::Object(_) => serde_json::Value::Null,
            };
            m.insert(e.key.to_string(), v);
        }
        serde_json::Value::Object(m)
    }
}

fn scalar_json(s: &ScalarValue) -> serde_json::Value {
    match s {
        ScalarValue::Str(s) => serde_json::Value::String(s.to_string()),
        ScalarValue::Int(i) => (*i).into(),
        ScalarValue::Uint(u) => (*u).into(),
        ScalarValue::F64(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into),
        ScalarValue::Boolean(b) => (*b).into(),
        ScalarValue::Timestamp(t) => (*t).into(),
        // Bytes are sealed personal data: never rendered.
        ScalarValue::Bytes(_) => serde_json::Value::String("<sealed>".into()),
        _ => serde_json::Value::Null,
    }
}

/// Write helpers over one map object.
pub(crate) struct MapWriter<'a> {
    pub doc: &'a mut AutoCommit,
    pub obj: ObjId,
}

impl<'a> MapWriter<'a> {
    pub fn root(doc: &'a mut AutoCommit) -> Self {
        MapWriter { doc, obj: ROOT }
    }
    pub fn str(&mut self, key: &str, v: &str) -> Result<()> {
        self.doc.put(&self.obj, key, v)?;
        Ok(())
    }
    pub fn opt_str(&mut self, key: &str, v: Option<&str>) -> Result<()> {
        match v {
            Some(v) => self.str(key, v),
            None => self.delete(key),
        }
    }
    pub fn i64(&mut self, key: &str, v: i64) -> Result<()> {
        self.doc.put(&self.obj, key, v)?;
        Ok(())
    }
    pub fn opt_i64(&mut self, key: &str, v: Option<i64>) -> Result<()> {
        match v {
            Some(v) => self.i64(key, v),
            None => self.delete(key),
        }
    }
    pub fn bool(&mut self, key: &str, v: bool) -> Result<()> {
        self.doc.put(&self.obj, key, v)?;
        Ok(())
    }
    pub fn bytes(&mut self, key: &str, v: Vec<u8>) -> Result<()> {
        self.doc.put(&self.obj, key, ScalarValue::Bytes(v))?;
        Ok(())
    }
    pub fn delete(&mut self, key: &str) -> Result<()> {
        if self.doc.get(&self.obj, key)?.is_some() {
            self.doc.delete(&self.obj, key)?;
        }
        Ok(())
    }
    /// A new map object at `key` (replacing, and so resolving, any earlier or conflicting value).
    pub fn new_map(&mut self, key: &str) -> Result<MapWriter<'_>> {
        let obj = self.doc.put_object(&self.obj, key, ObjType::Map)?;
        Ok(MapWriter { doc: self.doc, obj })
    }
    /// The existing map at `key`, created when missing.
    pub fn map(&mut self, key: &str) -> Result<MapWriter<'_>> {
        let obj = match self.doc.get(&self.obj, key)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => self.doc.put_object(&self.obj, key, ObjType::Map)?,
        };
        Ok(MapWriter { doc: self.doc, obj })
    }
    /// A new text object at `key` holding `content`.
    pub fn new_text(&mut self, key: &str, content: &str) -> Result<()> {
        let id = self.doc.put_object(&self.obj, key, ObjType::Text)?;
        if !content.is_empty() {
            self.doc.splice_text(&id, 0, 0, content)?;
        }
        Ok(())
    }
    /// Writes `at`, `by`, `device`.
    pub fn stamp(&mut self, s: &Stamp) -> Result<()> {
        self.i64("at", s.at)?;
        self.opt_str("by", s.by.as_deref())?;
        self.str("device", &s.device)
    }
    /// A fact: a fresh map at `key` with the stamp, filled by `fill`.
    pub fn fact(
        &mut self,
        key: &str,
        stamp: &Stamp,
        fill: impl FnOnce(&mut MapWriter<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut m = self.new_map(key)?;
        m.stamp(stamp)?;
        fill(&mut m)
    }
}
