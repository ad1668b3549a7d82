//! The certification pathway's ordered steps (`certification_steps`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::ordered_steps::ordered_steps;
use crate::db::Tx;
use crate::schema::certification_steps as steps;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = steps, check_for_backend(diesel::pg::Pg))]
pub struct Step {
    pub id: i64,
    pub position: i32,
    pub title: String,
    pub detail: Option<String>,
    pub source_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = steps)]
pub struct NewStep {
    /// After the last step when absent.
    pub position: Option<i32>,
    pub title: String,
    pub detail: Option<String>,
    pub source_url: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = steps)]
pub struct StepChangeset {
    pub position: Option<i32>,
    pub title: Option<String>,
    pub detail: Option<Option<String>>,
    pub source_url: Option<Option<String>>,
}

impl StepChangeset {
    pub fn is_empty(&self) -> bool {
        self.position.is_none()
            && self.title.is_none()
            && self.detail.is_none()
            && self.source_url.is_none()
    }
}

ordered_steps!(steps, Step, NewStep, StepChangeset);
