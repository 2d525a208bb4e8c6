//! The risk record: the original purpose of AMER (ISO 31000 / BPKP-style register).

use chrono::NaiveDate;
use serde::Serialize;

use super::codes::*;
use super::matrix::RiskMatrix;
use super::session::{Conflict, Package, Stamp};
use crate::ids::{RiskId, SessionId};

/// A likelihood × impact assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// 1..5.
    pub likelihood: Likelihood,
    /// 1..5.
    pub impact: Impact,
    /// Who assessed, when.
    pub stamp: Stamp,
}

impl Assessment {
    /// Score and level under a matrix.
    pub fn rate(&self, m: &RiskMatrix) -> (u8, RiskLevel) {
        m.assess(self.likelihood, self.impact)
    }
}

/// One item of the treatment plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Treatment {
    /// Stable id of the item within the risk.
    pub id: String,
    /// What will be done.
    pub action: String,
    /// Who is responsible.
    pub owner: String,
    /// By when.
    pub due: Option<NaiveDate>,
    /// When it was marked done.
    pub done: Option<Stamp>,
    /// Who added it.
    pub stamp: Stamp,
}

/// A monitoring entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Monitoring {
    /// What was observed.
    pub note: String,
    /// Who, when.
    pub stamp: Stamp,
}

/// A risk record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    /// Its id.
    pub id: RiskId,
    /// Document schema version.
    pub schema: i64,
    /// Readable code, unique across PCs ("R26-A-001").
    pub code: String,
    /// Short title.
    pub title: String,
    /// Procurement stage.
    pub stage: Stage,
    /// Agency.
    pub opd: Option<String>,
    /// Package concerned.
    pub package: Option<Package>,
    /// The risk event.
    pub event: String,
    /// Category.
    pub category: Option<RiskCategory>,
    /// Cause.
    pub cause: Option<String>,
    /// Consequence.
    pub consequence: Option<String>,
    /// Risk owner.
    pub owner: Option<String>,
    /// Existing controls.
    pub controls: Option<String>,
    /// Whether the existing controls are adequate.
    pub controls_adequate: Option<bool>,
    /// Inherent assessment.
    pub inherent: Option<Assessment>,
    /// Residual assessment.
    pub residual: Option<Assessment>,
    /// Chosen response.
    pub response: Option<RiskResponse>,
    /// Treatment plan.
    pub treatments: Vec<Treatment>,
    /// Monitoring entries.
    pub monitoring: Vec<Monitoring>,
    /// Sessions that revealed the risk.
    pub linked_sessions: Vec<SessionId>,
    /// Closure.
    pub closed: Option<Stamp>,
    /// Creation.
    pub created: Stamp,
    /// Concurrent values.
    pub conflicts: Vec<Conflict>,
}

impl Risk {
    /// The status derived from the facts.
    pub fn status(&self) -> RiskStatus {
        if self.closed.is_some() {
            RiskStatus::Closed
        } else if !self.monitoring.is_empty() {
            RiskStatus::Monitored
        } else if !self.treatments.is_empty() || self.response.is_some() {
            RiskStatus::Treated
        } else if self.inherent.is_some() {
            RiskStatus::Analysed
        } else {
            RiskStatus::Identified
        }
    }
    /// (done, total) treatment items.
    pub fn treatment_progress(&self) -> (usize, usize) {
        (self.treatments.iter().filter(|t| t.done.is_some()).count(), self.treatments.len())
    }
    /// Rule check for merged documents.
    pub fn validate(&self) -> Option<String> {
        if self.title.trim().is_empty() || self.event.trim().is_empty() {
            return Some("title and risk event are required".into());
        }
        None
    }
}
