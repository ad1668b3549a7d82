//! The `subscribers`, `subscriber_tokens` and `outbox` tables.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::Tx;
use crate::domain::{ConfirmStep, SignUpStep, SubscriberStatus};
use crate::schema::{outbox, subscriber_tokens as tokens, subscribers};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = subscribers, check_for_backend(diesel::pg::Pg))]
pub struct Subscriber {
    pub id: i64,
    pub email: Option<String>,
    pub name: Option<String>,
    pub topics: Vec<Option<String>>,
    pub status: SubscriberStatus,
    pub consent_version: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub unsubscribed_at: Option<DateTime<Utc>>,
    pub confirmations_day: Option<NaiveDate>,
    pub confirmations_sent: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The columns of the CSV export, and no more.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = subscribers, check_for_backend(diesel::pg::Pg))]
pub struct ExportRow {
    pub id: i64,
    pub email: Option<String>,
    pub name: Option<String>,
    pub topics: Vec<Option<String>>,
    pub status: SubscriberStatus,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub unsubscribed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What a sign-up found: the subscriber and its status before the sign-up.
#[derive(Debug, QueryableByName)]
pub struct SignUp {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub status: SubscriberStatus,
}

/// A sign-up in one statement (durable once [`crate::db::write`] has committed it): inserts a
/// pending subscriber, or counts one more confirmation mail for `today` on the address's row;
/// and queues the confirmation mail when the subscriber is pending. `None` (and nothing
/// written) when the address has had `per_day` confirmation mails today. An `unsubscribed`
/// status still needs [`restart`] and a mail; a `confirmed` one needs nothing.
async fn sign_up_statement(
    tx: &mut Tx<'_>,
    email: &str,
    name: Option<&str>,
    topics: &[&str],
    today: NaiveDate,
    per_day: i32,
) -> QueryResult<Option<SignUp>> {
    // The statement is the function `sign_up` (migration `sign_up_function`), whose plan
    // PostgreSQL keeps per connection.
    diesel::sql_query("SELECT id, status FROM sign_up($1, $2, $3, $4, $5)")
        .bind::<Text, _>(email)
        .bind::<Nullable<Text>, _>(name)
        .bind::<Array<Text>, _>(topics)
        .bind::<Date, _>(today)
        .bind::<Integer, _>(per_day)
        .get_result(&mut **tx)
        .await
        .optional()
}

/// A new sign-up's details.
pub struct NewSignUp<'a> {
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub topics: &'a [&'a str],
}

/// Signs an address up: the one sign-up statement (new, pending and confirmed addresses alike,
/// so neither the answer nor a 429 tells them apart), then, for an unsubscribed address, a
/// restart and its confirmation mail in the same transaction (a counted mail is never left
/// unsent). `None` when the address has had `per_day` confirmation mails today.
pub async fn sign_up(
    tx: &mut Tx<'_>,
    new: &NewSignUp<'_>,
    today: NaiveDate,
    per_day: i32,
) -> QueryResult<Option<SignedUp>> {
    let Some(signed) =
        sign_up_statement(tx, new.email, new.name, new.topics, today, per_day).await?
    else {
        return Ok(None);
    };
    let mailed = match signed.status.on_sign_up() {
        SignUpStep::Mailed => true,
        SignUpStep::Nothing => false,
        // Only while it is still unsubscribed: the update is conditional.
        SignUpStep::Restart => {
            let restarted = restart(tx, signed.id, new.name, new.topics).await?;
            if restarted {
                enqueue(tx, signed.id, "confirmation").await?;
            }
            restarted
        }
    };
    Ok(Some(SignedUp {
        id: signed.id,
        mailed,
    }))
}

/// The subscriber a sign-up reached, and whether a mail was queued for it.
#[derive(Debug, Clone, Copy)]
pub struct SignedUp {
    pub id: i64,
    pub mailed: bool,
}

/// What a confirmation link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    /// Confirmed now; the welcome mail is queued.
    Now,
    /// It was confirmed before; nothing changed.
    Before,
    /// The link is unknown, used up, or its subscriber is no longer pending.
    UnknownLink,
    /// The link's time is over.
    Expired,
}

/// Confirms the subscriber of a confirmation token (locked, so a concurrent unsubscribe or
/// erasure cannot slip in), queueing the welcome mail.
pub async fn confirm_by_token(
    tx: &mut Tx<'_>,
    hash: &[u8],
    consent_version: &str,
    now: DateTime<Utc>,
) -> QueryResult<Confirmed> {
    let Some((s, expires)) = lock_by_token(tx, hash, "confirm").await? else {
        return Ok(Confirmed::UnknownLink);
    };
    Ok(
        match s.status.on_confirm(expires.is_some_and(|t| t < now)) {
            ConfirmStep::AlreadyConfirmed => Confirmed::Before,
            ConfirmStep::Expired => Confirmed::Expired,
            ConfirmStep::Unknown => Confirmed::UnknownLink,
            ConfirmStep::Confirm => {
                confirm(tx, s.id, consent_version, now).await?;
                enqueue(tx, s.id, "welcome").await?;
                Confirmed::Now
            }
        },
    )
}

pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Subscriber> {
    subscribers::table
        .find(id)
        .select(Subscriber::as_select())
        .first(conn)
        .await
}

/// A subscriber, locked until the transaction ends.
pub async fn lock(tx: &mut Tx<'_>, id: i64) -> QueryResult<Subscriber> {
    subscribers::table
        .find(id)
        .select(Subscriber::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

/// Makes a subscriber that is still unsubscribed pending again (a new sign-up of its address),
/// with new details; its old tokens stop working. False when it is no longer unsubscribed (a
/// concurrent sign-up restarted it first).
pub async fn restart(
    tx: &mut Tx<'_>,
    id: i64,
    name: Option<&str>,
    topics: &[&str],
) -> QueryResult<bool> {
    let restarted = diesel::update(
        subscribers::table
            .find(id)
            .filter(subscribers::status.eq(SubscriberStatus::Unsubscribed)),
    )
    .set((
        subscribers::status.eq(SubscriberStatus::Pending),
        subscribers::name.eq(name),
        subscribers::topics.eq(topics),
        subscribers::unsubscribed_at.eq(None::<DateTime<Utc>>),
        subscribers::confirmed_at.eq(None::<DateTime<Utc>>),
    ))
    .execute(&mut **tx)
    .await?;
    if restarted == 0 {
        return Ok(false);
    }
    diesel::delete(tokens::table.filter(tokens::subscriber_id.eq(id)))
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

pub async fn confirm(
    tx: &mut Tx<'_>,
    id: i64,
    consent_version: &str,
    now: DateTime<Utc>,
) -> QueryResult<Subscriber> {
    diesel::update(subscribers::table.find(id))
        .set((
            subscribers::status.eq(SubscriberStatus::Confirmed),
            subscribers::confirmed_at.eq(now),
            subscribers::consent_version.eq(consent_version),
        ))
        .returning(Subscriber::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn unsubscribe(tx: &mut Tx<'_>, id: i64, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(
        subscribers::table
            .find(id)
            .filter(subscribers::status.ne(SubscriberStatus::Unsubscribed)),
    )
    .set((
        subscribers::status.eq(SubscriberStatus::Unsubscribed),
        subscribers::unsubscribed_at.eq(now),
    ))
    .execute(&mut **tx)
    .await?;
    // Pending confirmations die with the subscription; manage tokens keep working (to read
    // preferences or resubscribe) until a new sign-up replaces them.
    diesel::delete(
        tokens::table
            .filter(tokens::subscriber_id.eq(id))
            .filter(tokens::purpose.eq("confirm")),
    )
    .execute(&mut **tx)
    .await
    .map(drop)
}

pub async fn set_preferences(
    tx: &mut Tx<'_>,
    id: i64,
    name: Option<Option<&str>>,
    topics: Option<&[&str]>,
) -> QueryResult<Subscriber> {
    #[derive(AsChangeset)]
    #[diesel(table_name = subscribers)]
    struct Changes<'a> {
        name: Option<Option<&'a str>>,
        topics: Option<&'a [&'a str]>,
    }
    if name.is_none() && topics.is_none() {
        return find(tx, id).await;
    }
    diesel::update(subscribers::table.find(id))
        .set(Changes { name, topics })
        .returning(Subscriber::as_returning())
        .get_result(&mut **tx)
        .await
}

/// Removes pending sign-ups untouched (no new sign-up, no mail) since `before`; how many.
pub async fn purge_pending(tx: &mut Tx<'_>, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        subscribers::table
            .filter(subscribers::status.eq(SubscriberStatus::Pending))
            .filter(subscribers::updated_at.lt(before)),
    )
    .execute(&mut **tx)
    .await
}

pub async fn insert_token(
    tx: &mut Tx<'_>,
    hash: &[u8],
    subscriber_id: i64,
    purpose: &str,
    expires_at: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    diesel::insert_into(tokens::table)
        .values((
            tokens::token_hash.eq(hash),
            tokens::subscriber_id.eq(subscriber_id),
            tokens::purpose.eq(purpose),
            tokens::expires_at.eq(expires_at),
        ))
        .execute(&mut **tx)
        .await
        .map(drop)
}

/// The subscriber a token of `purpose` belongs to, with the token's expiry (a read).
pub async fn find_by_token(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    purpose: &str,
) -> QueryResult<Option<(Subscriber, Option<DateTime<Utc>>)>> {
    by_token(conn, hash, purpose, false).await
}

/// Like [`find_by_token`], for a write: the subscriber's row (only it: the same lock order as
/// sign-up and erasure, so no deadlock) is locked until the transaction ends.
pub async fn lock_by_token(
    tx: &mut Tx<'_>,
    hash: &[u8],
    purpose: &str,
) -> QueryResult<Option<(Subscriber, Option<DateTime<Utc>>)>> {
    by_token(tx, hash, purpose, true).await
}

async fn by_token(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    purpose: &str,
    lock: bool,
) -> QueryResult<Option<(Subscriber, Option<DateTime<Utc>>)>> {
    let found: Option<(i64, Option<DateTime<Utc>>)> = tokens::table
        .filter(tokens::token_hash.eq(hash))
        .filter(tokens::purpose.eq(purpose))
        .select((tokens::subscriber_id, tokens::expires_at))
        .first(conn)
        .await
        .optional()?;
    let Some((id, expires)) = found else {
        return Ok(None);
    };
    let query = subscribers::table.find(id).select(Subscriber::as_select());
    let subscriber = if lock {
        query.for_update().first(conn).await
    } else {
        query.first(conn).await
    }
    .optional()?;
    Ok(subscriber.map(|s| (s, expires)))
}

/// A mail to send, as the worker claims it.
#[derive(Debug, Clone, QueryableByName)]
pub struct OutboxMail {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub subscriber_id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    /// When this claim was made: the outcome is recorded only while the claim is still ours.
    #[diesel(sql_type = Timestamptz)]
    pub claimed_at: DateTime<Utc>,
}

pub async fn enqueue(tx: &mut Tx<'_>, subscriber_id: i64, kind: &str) -> QueryResult<()> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::subscriber_id.eq(subscriber_id),
            outbox::kind.eq(kind),
        ))
        .execute(&mut **tx)
        .await
        .map(drop)
}

/// Claims up to `limit` due mails: pending ones whose time has come, and ones another instance
/// claimed before `stale` and never finished (it crashed). Safe with several instances.
pub async fn claim_due(
    tx: &mut Tx<'_>,
    limit: i64,
    now: DateTime<Utc>,
    stale: DateTime<Utc>,
) -> QueryResult<Vec<OutboxMail>> {
    diesel::sql_query(
        "UPDATE outbox SET status = 'sending', claimed_at = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox \
             WHERE (status = 'pending' AND next_attempt_at <= $1) \
                OR (status = 'sending' AND claimed_at < $2) \
             ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
         RETURNING id, subscriber_id, kind, attempts, claimed_at",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(stale)
    .bind::<BigInt, _>(limit)
    .load(&mut **tx)
    .await
}

/// Records a sent mail, unless another instance has taken the claim over since.
pub async fn mark_sent(tx: &mut Tx<'_>, job: &OutboxMail, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(
        outbox::table
            .find(job.id)
            .filter(outbox::claimed_at.eq(job.claimed_at)),
    )
    .set((outbox::status.eq("sent"), outbox::sent_at.eq(now)))
    .execute(&mut **tx)
    .await
    .map(drop)
}

/// Puts a mail back for another try at `next`, or gives it up (`next: None`), unless another
/// instance has taken the claim over since.
pub async fn mark_failed(
    tx: &mut Tx<'_>,
    job: &OutboxMail,
    error: &str,
    next: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    let status = if next.is_some() { "pending" } else { "failed" };
    diesel::update(
        outbox::table
            .find(job.id)
            .filter(outbox::claimed_at.eq(job.claimed_at)),
    )
    .set((
        outbox::status.eq(status),
        outbox::last_error.eq(error),
        outbox::next_attempt_at.eq(next.unwrap_or_else(Utc::now)),
    ))
    .execute(&mut **tx)
    .await
    .map(drop)
}

/// The filters of the admin list and export.
#[derive(Debug, Clone, Default)]
pub struct AdminFilter {
    pub status: Option<SubscriberStatus>,
    pub topic: Option<String>,
    /// A piece of the email, matched case-insensitively.
    pub q: Option<String>,
}

fn filtered(f: &AdminFilter) -> subscribers::BoxedQuery<'static, diesel::pg::Pg> {
    let mut query = subscribers::table.into_boxed();
    if let Some(status) = &f.status {
        query = query.filter(subscribers::status.eq(*status));
    }
    if let Some(topic) = &f.topic {
        query = query.filter(subscribers::topics.contains(vec![Some(topic.clone())]));
    }
    if let Some(q) = &f.q {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        query = query.filter(subscribers::email.ilike(format!("%{escaped}%")));
    }
    query
}

/// Up to `limit` subscribers, newest first, before id `before`.
pub async fn list_admin(
    conn: &mut AsyncPgConnection,
    f: &AdminFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Subscriber>> {
    let mut query = filtered(f)
        .select(Subscriber::as_select())
        .order(subscribers::id.desc())
        .limit(limit);
    if let Some(id) = before {
        query = query.filter(subscribers::id.lt(id));
    }
    query.load(conn).await
}

pub async fn count_admin(conn: &mut AsyncPgConnection, f: &AdminFilter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn).await
}

/// The next `limit` subscribers of an export, oldest first, after id `after`.
pub async fn export_batch(
    conn: &mut AsyncPgConnection,
    f: &AdminFilter,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<ExportRow>> {
    filtered(f)
        .filter(subscribers::id.gt(after))
        .select(ExportRow::as_select())
        .order(subscribers::id.asc())
        .limit(limit)
        .load(conn)
        .await
}

/// Erases a subscriber's personal data; only the anonymous row (status `erased`, topics,
/// dates) stays, for counts. False when there is none.
pub async fn erase(tx: &mut Tx<'_>, id: i64) -> QueryResult<bool> {
    let n = diesel::update(subscribers::table.find(id))
        .set((
            subscribers::email.eq(None::<String>),
            subscribers::name.eq(None::<String>),
            subscribers::status.eq(SubscriberStatus::Erased),
            subscribers::consent_version.eq(None::<String>),
        ))
        .execute(&mut **tx)
        .await?;
    diesel::delete(tokens::table.filter(tokens::subscriber_id.eq(id)))
        .execute(&mut **tx)
        .await?;
    diesel::delete(
        outbox::table
            .filter(outbox::subscriber_id.eq(id))
            .filter(outbox::status.ne("sent")),
    )
    .execute(&mut **tx)
    .await?;
    Ok(n > 0)
}

#[derive(Debug, QueryableByName)]
pub struct Count {
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

pub async fn count_by_status(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Count>> {
    diesel::sql_query(
        "SELECT status AS key, count(*) AS count FROM subscribers GROUP BY status ORDER BY status",
    )
    .load(conn)
    .await
}

/// Confirmed subscribers per topic.
pub async fn count_by_topic(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Count>> {
    diesel::sql_query(
        "SELECT t AS key, count(*) AS count FROM subscribers, unnest(topics) AS t \
         WHERE status = 'confirmed' GROUP BY t ORDER BY t",
    )
    .load(conn)
    .await
}

/// Sign-ups per ISO week (its Monday, `YYYY-MM-DD`) over the last `weeks` weeks.
pub async fn signups_per_week(conn: &mut AsyncPgConnection, weeks: i32) -> QueryResult<Vec<Count>> {
    diesel::sql_query(
        "SELECT to_char(date_trunc('week', created_at), 'YYYY-MM-DD') AS key, count(*) AS count \
         FROM subscribers WHERE created_at >= date_trunc('week', now()) - make_interval(weeks => $1) \
         GROUP BY 1 ORDER BY 1",
    )
    .bind::<Integer, _>(weeks)
    .load(conn)
    .await
}
