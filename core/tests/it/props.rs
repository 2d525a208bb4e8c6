//! Property test: replicas apply random operations, merge in random orders, and end equal, with
//! projections equal to what the documents say.

use amer_core::store::{Actor, SessionFilter};
use proptest::prelude::*;

use super::*;

#[derive(Debug, Clone)]
enum Op {
    Register { replica: usize },
    Assign { replica: usize, session: usize, second: bool },
    Start { replica: usize, session: usize },
    Notes { replica: usize, session: usize, word: u8 },
    Finish { replica: usize, session: usize },
    Rate { replica: usize, session: usize, score: i64 },
    Cancel { replica: usize, session: usize },
    Merge { from: usize, to: usize },
}

fn op() -> impl Strategy<Value = Op> {
    let r = 0..3usize;
    let s = 0..6usize;
    prop_oneof![
        2 => r.clone().prop_map(|replica| Op::Register { replica }),
        2 => (r.clone(), s.clone(), any::<bool>()).prop_map(|(replica, session, second)| Op::Assign { replica, session, second }),
        1 => (r.clone(), s.clone()).prop_map(|(replica, session)| Op::Start { replica, session }),
        2 => (r.clone(), s.clone(), any::<u8>()).prop_map(|(replica, session, word)| Op::Notes { replica, session, word }),
        1 => (r.clone(), s.clone()).prop_map(|(replica, session)| Op::Finish { replica, session }),
        1 => (r.clone(), s.clone(), 1..=5i64).prop_map(|(replica, session, score)| Op::Rate { replica, session, score }),
        1 => (r.clone(), s.clone()).prop_map(|(replica, session)| Op::Cancel { replica, session }),
        2 => (r.clone(), r).prop_map(|(from, to)| Op::Merge { from, to }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn replicas_converge(ops in proptest::collection::vec(op(), 1..40)) {
        let a = office();
        let replicas = [a, Store::open_in_memory().expect("b"), Store::open_in_memory().expect("c")];
        for (i, code) in [(1usize, "A1"), (2, "A2")] {
            let local = replicas[0].local().expect("local");
            replicas[i].join(amer_core::store::JoinOptions { office_id: local.office_id, device_code: code.into(), node_id: code.into(), device_name: code.into() }).expect("join");
            push(&replicas[0], &replicas[i]);
        }
        let mut tickets: Vec<String> = Vec::new();
        let pick = |tickets: &Vec<String>, i: usize| tickets.get(i % tickets.len().max(1)).cloned();
        for op in ops {
            // Steps may be refused (illegal in the replica's current state): that is fine.
            match op {
                Op::Register { replica } => {
                    if let Ok(r) = replicas[replica].register(&Actor::device(), new_session("konsultasi", "prop")) {
                        tickets.push(r.ticket);
                    }
                }
                Op::Assign { replica, session, second } => if let Some(t) = pick(&tickets, session) {
                    let _ = replicas[replica].assign(&actor(KASUBAG), &t, if second { OFFICER2 } else { OFFICER });
                },
                Op::Start { replica, session } => if let Some(t) = pick(&tickets, session) { let _ = replicas[replica].start(&Actor::device(), &t); },
                Op::Notes { replica, session, word } => if let Some(t) = pick(&tickets, session) {
                    let _ = replicas[replica].append_notes(&actor(OFFICER), &t, &format!("kata{word}"));
                },
                Op::Finish { replica, session } => if let Some(t) = pick(&tickets, session) { let _ = replicas[replica].finish(&Actor::device(), &t, None, None, None); },
                Op::Rate { replica, session, score } => if let Some(t) = pick(&tickets, session) { let _ = replicas[replica].rate(&Actor::device(), &t, score, None, false); },
                Op::Cancel { replica, session } => if let Some(t) = pick(&tickets, session) { let _ = replicas[replica].cancel(&Actor::device(), &t, "pergi"); },
                Op::Merge { from, to } => if from != to { push(&replicas[from], &replicas[to]); },
            }
        }
        for _ in 0..2 {
            push(&replicas[0], &replicas[1]);
            push(&replicas[1], &replicas[2]);
            push(&replicas[2], &replicas[0]);
        }
        let all = SessionFilter { include_invalid: true, ..Default::default() };
        let lists: Vec<_> = replicas.iter().map(|r| r.list_sessions(&all).expect("list")).collect();
        prop_assert_eq!(&lists[0], &lists[1]);
        prop_assert_eq!(&lists[1], &lists[2]);
        for row in &lists[0] {
            let docs: Vec<_> = replicas.iter().map(|r| r.session(&row.id.to_text()).expect("get")).collect();
            prop_assert_eq!(&docs[0], &docs[1]);
            prop_assert_eq!(&docs[1], &docs[2]);
            // The projection says what the document says.
            prop_assert_eq!(row.status, docs[0].status());
            prop_assert_eq!(row.score, docs[0].rating.as_ref().map(|r| i64::from(amer_core::model::OneToFive::value(r.score))));
            prop_assert_eq!(row.conflicts as usize, docs[0].conflicts.len());
        }
    }
}
