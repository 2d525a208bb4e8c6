//! Writes a small store at the current schema version, used as an "old database file" fixture
//! by the migration tests when the schema moves on. Usage: make_fixture DIR
use amer_core::model::StaffRole;
use amer_core::store::{Actor, InitOptions, NewSession, NewStaff, VisitorInput};
use amer_core::Store;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args().nth(1).ok_or_else(|| anyhow::anyhow!("usage: make_fixture DIR"))?;
    let store = Store::open(std::path::Path::new(&dir).join("amer.db"))?;
    store.init(InitOptions {
        office_name: "Bagian Pengadaan Barang/Jasa".into(),
        device_name: "PC Loket".into(),
        timezone: None,
        node_id: None,
        public_key: None,
    })?;
    store.add_staff(
        &Actor::device(),
        NewStaff {
            nip: "198503122010011003".into(),
            name: "Andi Admin".into(),
            title: None,
            role: StaffRole::Admin,
        },
    )?;
    let admin = Actor::staff(amer_core::model::Nip::parse("198503122010011003")?);
    store.add_staff(
        &admin,
        NewStaff {
            nip: "199002202015031002".into(),
            name: "Budi Petugas".into(),
            title: None,
            role: StaffRole::Petugas,
        },
    )?;
    let r = store.register(
        &Actor::device(),
        NewSession {
            category: "konsultasi".into(),
            visitor: VisitorInput {
                name: "Rina".into(),
                phone: Some("081234567890".into()),
                ..Default::default()
            },
            subject: "Tata cara e-purchasing".into(),
            ..Default::default()
        },
    )?;
    store.assign(&admin, &r.ticket, "199002202015031002")?;
    store.start(&Actor::device(), &r.ticket)?;
    store.finish(&Actor::device(), &r.ticket, Some("Dijelaskan alur katalog elektronik."), None, None)?;
    store.rate(&Actor::device(), &r.ticket, 5, None, true)?;
    println!("{}", r.ticket);
    Ok(())
}
