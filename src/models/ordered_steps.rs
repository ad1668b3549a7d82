//! The queries of an ordered list of steps, shared by the certification pathway
//! (`certification_step`) and perfusion in practice (`practice_step`): both tables have an
//! `id`, a `position` and the step's own columns, and are read in (position, id) order.
//!
//! `ordered_steps!(table, Row, New, Changeset)` writes, in the calling module: `list`, `find`,
//! `find_for_update`, `insert` (at the end when `New::position` is `None`), `update` and
//! `delete`. `New` derives `Insertable` and `Clone` with `position: Option<i32>`; `Changeset`
//! has `is_empty`.

macro_rules! ordered_steps {
    ($table:ident, $row:ident, $new:ident, $changeset:ident) => {
        /// Every step, in order.
        pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<$row>> {
            $table::table
                .select($row::as_select())
                .order(($table::position.asc(), $table::id.asc()))
                .load(conn)
                .await
        }

        pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<$row> {
            $table::table
                .find(id)
                .select($row::as_select())
                .first(conn)
                .await
        }

        pub async fn find_for_update(tx: &mut Tx<'_>, id: i64) -> QueryResult<$row> {
            $table::table
                .find(id)
                .select($row::as_select())
                .for_update()
                .first(&mut **tx)
                .await
        }

        /// Adds a step; without a position, after the last one.
        pub async fn insert(tx: &mut Tx<'_>, new: &$new) -> QueryResult<$row> {
            let mut new = new.clone();
            if new.position.is_none() {
                let last: Option<i32> = $table::table
                    .select(diesel::dsl::max($table::position))
                    .first(&mut **tx)
                    .await?;
                new.position = Some(last.map_or(1, |p| p.saturating_add(1)));
            }
            diesel::insert_into($table::table)
                .values(&new)
                .returning($row::as_returning())
                .get_result(&mut **tx)
                .await
        }

        pub async fn update(tx: &mut Tx<'_>, id: i64, changes: &$changeset) -> QueryResult<$row> {
            if changes.is_empty() {
                return find(tx, id).await;
            }
            diesel::update($table::table.find(id))
                .set(changes)
                .returning($row::as_returning())
                .get_result(&mut **tx)
                .await
        }

        pub async fn delete(tx: &mut Tx<'_>, id: i64) -> QueryResult<bool> {
            diesel::delete($table::table.find(id))
                .execute(&mut **tx)
                .await
                .map(|n| n > 0)
        }
    };
}

pub(crate) use ordered_steps;
