//! SQL written out in our own source, as diesel expressions that PostgreSQL may keep prepared.
//!
//! Diesel's `sql()` cannot know that its text never changes, so it marks every query that holds
//! one as unsafe to cache: such a query is parsed and planned again on every execution (for an
//! article page with its decorations, about as long as running it). A [`Fixed`] fragment is
//! text from a `&'static str`, never built from input, so its query is prepared once per
//! connection, keyed by its SQL text, like any other diesel query. Values go beside it as
//! bound parameters (diesel's own expressions), never into its text.
//!
//! Not for a full-text search: planned once with generic parameters, PostgreSQL cannot know how
//! many rows the words match (`models::article::tsquery_matches` stays `sql()`).

use std::marker::PhantomData;

use diesel::expression::{is_aggregate, AppearsOnTable, Expression, SelectableExpression};
use diesel::expression::{TypedExpressionType, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::SqlType;
use diesel::QueryResult;

/// A fragment of SQL of type `ST`, written out in the source.
#[derive(Debug, Clone, Copy)]
pub struct Fixed<ST> {
    text: &'static str,
    _type: PhantomData<ST>,
}

/// `text` as an expression of type `ST`.
pub const fn fixed<ST>(text: &'static str) -> Fixed<ST> {
    Fixed {
        text,
        _type: PhantomData,
    }
}

impl<ST: SqlType + TypedExpressionType> Expression for Fixed<ST> {
    type SqlType = ST;
}

impl<ST> QueryFragment<Pg> for Fixed<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(self.text);
        Ok(())
    }
}

/// Keyed by its text in the statement cache (two fragments share this type).
impl<ST> QueryId for Fixed<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST, QS> AppearsOnTable<QS> for Fixed<ST> where Self: Expression {}
impl<ST, QS> SelectableExpression<QS> for Fixed<ST> where Self: Expression {}
impl<ST, GB> ValidGrouping<GB> for Fixed<ST> {
    type IsAggregate = is_aggregate::Never;
}
