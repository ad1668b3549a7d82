//! The certification tables: the pathway's fixed facts, its ordered steps, the accredited
//! programs directory (with the counts sources report), and licensure by state.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::Tx;
use crate::domain::AccreditationStatus;
use crate::schema::{
    accredited_programs as programs, certification_overview as overview,
    certification_program_counts as counts, certification_steps as steps, licensure,
};

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

#[derive(Debug, Insertable)]
#[diesel(table_name = steps)]
pub struct NewStep {
    pub position: i32,
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

/// Every step, in order.
pub async fn steps(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Step>> {
    steps::table
        .select(Step::as_select())
        .order((steps::position.asc(), steps::id.asc()))
        .load(conn)
        .await
}

pub async fn find_step(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Step> {
    steps::table
        .find(id)
        .select(Step::as_select())
        .first(conn)
        .await
}

pub async fn find_step_for_update(tx: &mut Tx<'_>, id: i64) -> QueryResult<Step> {
    steps::table
        .find(id)
        .select(Step::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

pub async fn insert_step(tx: &mut Tx<'_>, new: &NewStep) -> QueryResult<Step> {
    diesel::insert_into(steps::table)
        .values(new)
        .returning(Step::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn update_step(tx: &mut Tx<'_>, id: i64, changes: &StepChangeset) -> QueryResult<Step> {
    let empty = changes.position.is_none()
        && changes.title.is_none()
        && changes.detail.is_none()
        && changes.source_url.is_none();
    if empty {
        return find_step(tx, id).await;
    }
    diesel::update(steps::table.find(id))
        .set(changes)
        .returning(Step::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn delete_step(tx: &mut Tx<'_>, id: i64) -> QueryResult<bool> {
    diesel::delete(steps::table.find(id))
        .execute(&mut **tx)
        .await
        .map(|n| n > 0)
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

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = programs, check_for_backend(diesel::pg::Pg))]
pub struct Program {
    pub id: i64,
    pub name: String,
    pub institution: String,
    pub city: Option<String>,
    pub state: Option<String>,
    pub degree: Option<String>,
    pub url: Option<String>,
    pub accreditation_status: AccreditationStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = programs)]
pub struct NewProgram {
    pub name: String,
    pub institution: String,
    pub city: Option<String>,
    pub state: Option<String>,
    pub degree: Option<String>,
    pub url: Option<String>,
    pub accreditation_status: AccreditationStatus,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = programs)]
pub struct ProgramChangeset {
    pub name: Option<String>,
    pub institution: Option<String>,
    pub city: Option<Option<String>>,
    pub state: Option<Option<String>>,
    pub degree: Option<Option<String>>,
    pub url: Option<Option<String>>,
    pub accreditation_status: Option<AccreditationStatus>,
}

/// Up to `limit` programs by (name, id) after `after`.
pub async fn list_programs(
    conn: &mut AsyncPgConnection,
    after: Option<(String, i64)>,
    limit: i64,
) -> QueryResult<Vec<Program>> {
    let mut query = programs::table
        .select(Program::as_select())
        .order((programs::name.asc(), programs::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((name, id)) = after {
        query = query.filter(
            programs::name
                .gt(name.clone())
                .or(programs::name.eq(name).and(programs::id.gt(id))),
        );
    }
    query.load(conn).await
}

pub async fn count_programs(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    programs::table.count().get_result(conn).await
}

pub async fn find_program(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Program> {
    programs::table
        .find(id)
        .select(Program::as_select())
        .first(conn)
        .await
}

pub async fn find_program_for_update(tx: &mut Tx<'_>, id: i64) -> QueryResult<Program> {
    programs::table
        .find(id)
        .select(Program::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

pub async fn insert_program(tx: &mut Tx<'_>, new: &NewProgram) -> QueryResult<Program> {
    diesel::insert_into(programs::table)
        .values(new)
        .returning(Program::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn update_program(
    tx: &mut Tx<'_>,
    id: i64,
    changes: &ProgramChangeset,
) -> QueryResult<Program> {
    let empty = changes.name.is_none()
        && changes.institution.is_none()
        && changes.city.is_none()
        && changes.state.is_none()
        && changes.degree.is_none()
        && changes.url.is_none()
        && changes.accreditation_status.is_none();
    if empty {
        return find_program(tx, id).await;
    }
    diesel::update(programs::table.find(id))
        .set(changes)
        .returning(Program::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn delete_program(tx: &mut Tx<'_>, id: i64) -> QueryResult<bool> {
    diesel::delete(programs::table.find(id))
        .execute(&mut **tx)
        .await
        .map(|n| n > 0)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = licensure, check_for_backend(diesel::pg::Pg))]
pub struct Licensure {
    pub state: String,
    pub name: String,
    /// Null where the source says nothing.
    pub license_required: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub source_url: Option<String>,
    pub note: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = licensure)]
pub struct LicensureChangeset {
    pub license_required: Option<Option<String>>,
    pub as_of: Option<Option<NaiveDate>>,
    pub source_url: Option<Option<String>>,
    pub note: Option<Option<String>>,
}

/// Up to `limit` states by code after `after`.
pub async fn list_licensure(
    conn: &mut AsyncPgConnection,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<Licensure>> {
    let mut query = licensure::table
        .select(Licensure::as_select())
        .order(licensure::state.asc())
        .limit(limit)
        .into_boxed();
    if let Some(state) = after {
        query = query.filter(licensure::state.gt(state));
    }
    query.load(conn).await
}

pub async fn count_licensure(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    licensure::table.count().get_result(conn).await
}

pub async fn find_licensure(conn: &mut AsyncPgConnection, state: &str) -> QueryResult<Licensure> {
    licensure::table
        .find(state)
        .select(Licensure::as_select())
        .first(conn)
        .await
}

pub async fn find_licensure_for_update(tx: &mut Tx<'_>, state: &str) -> QueryResult<Licensure> {
    licensure::table
        .find(state)
        .select(Licensure::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

pub async fn update_licensure(
    tx: &mut Tx<'_>,
    state: &str,
    changes: &LicensureChangeset,
) -> QueryResult<Licensure> {
    let empty = changes.license_required.is_none()
        && changes.as_of.is_none()
        && changes.source_url.is_none()
        && changes.note.is_none();
    if empty {
        return find_licensure(tx, state).await;
    }
    diesel::update(licensure::table.find(state))
        .set(changes)
        .returning(Licensure::as_returning())
        .get_result(&mut **tx)
        .await
}
