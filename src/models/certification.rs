//! The certification pathway's fixed facts and the counts of programs sources report; its
//! steps are in `certification_step`, the programs in `program`, licensure in `licensure`.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::{certification_overview as overview, certification_program_counts as counts};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = overview, check_for_backend(diesel::pg::Pg))]
pub struct Overview {
    pub credential_code: String,
    pub credential_name: String,
    pub awarded_by: String,
    pub credential: String,
    pub seed_page_says: String,
    pub correction: String,
    pub recertification_frequency: String,
    pub recertification_clinical: String,
    pub recertification_professional: String,
    pub recertification_sources: Vec<Option<String>>,
    pub accreditation_bodies: String,
    pub accreditation_thresholds: String,
    pub accreditation_sources: Vec<Option<String>>,
    pub programs_note: String,
    pub alternatives: Vec<Option<String>>,
}

pub async fn overview(conn: &mut AsyncPgConnection) -> QueryResult<Overview> {
    overview::table
        .select(Overview::as_select())
        .first(conn)
        .await
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = counts, check_for_backend(diesel::pg::Pg))]
pub struct ProgramCount {
    pub value: i32,
    pub source: String,
    pub source_url: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub note: Option<String>,
}

pub async fn program_counts(conn: &mut AsyncPgConnection) -> QueryResult<Vec<ProgramCount>> {
    counts::table
        .select(ProgramCount::as_select())
        .order(counts::id.asc())
        .load(conn)
        .await
}
