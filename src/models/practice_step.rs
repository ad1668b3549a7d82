//! The ordered steps of perfusion in practice (`practice_steps`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::ordered_steps::ordered_steps;
use crate::db::Tx;
use crate::schema::practice_steps as steps;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = steps, check_for_backend(diesel::pg::Pg))]
pub struct PracticeStep {
    pub id: i64,
    pub position: i32,
    pub title: String,
    pub detail: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = steps)]
pub struct NewPracticeStep {
    /// After the last step when absent.
    pub position: Option<i32>,
    pub title: String,
    pub detail: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = steps)]
pub struct PracticeStepChangeset {
    pub position: Option<i32>,
    pub title: Option<String>,
    pub detail: Option<Option<String>>,
}

impl PracticeStepChangeset {
    pub fn is_empty(&self) -> bool {
        self.position.is_none() && self.title.is_none() && self.detail.is_none()
    }
}

ordered_steps!(steps, PracticeStep, NewPracticeStep, PracticeStepChangeset);
