//! Recording writes in the audit log. A write handler takes `audit: Audit` (an editor or admin,
//! checked as [`AuthUser`] checks) or `audit: Audit<Admin>` in place of its guard, and records
//! what it did with one call inside its `db::write`, so the row commits or rolls back with the
//! change itself:
//!
//! - `audit.created(tx, dto)`: a new resource; its fields with a value are the change;
//! - `audit.changed(tx, AuditAction::Update, &before, after)`: the fields whose value differs;
//! - `audit.removed(tx, AuditAction::Delete, ResourceType::Article, &slug)`.
//!
//! Each hands back what it was given, so it can end the transaction's closure. A response type
//! says which resource it is by implementing [`Audited`].

use std::{fmt::Display, net::IpAddr};

use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;

use crate::{
    auth::{Admin, AuthUser},
    db::Tx,
    domain::{changed_fields, webhook::EventType, AuditAction, ResourceType},
    errors::{ApiError, ApiResult},
    models::{
        audit_entry::{self, NewAuditEntry},
        webhook,
    },
    rate_limit::client_ip,
    state::AppState,
    telemetry::RequestId,
};

/// Who is writing (the guard `G`, as its own extractor let them in), from which address, in
/// which request: what the audit row of their write records about its author.
pub struct Audit<G = AuthUser> {
    /// The guard's value (e.g. to check a role).
    pub user: G,
    actor_id: i64,
    /// The client's address: the peer's, or from `X-Forwarded-For` of a trusted proxy only.
    client_addr: Option<IpAddr>,
    /// The same id as the response's `X-Request-Id` and the request's log line.
    request_id: Option<String>,
}

/// The guards an [`Audit`] may wrap.
pub trait Guard: FromRequest<Error = ApiError, Future: 'static> {
    /// The user's id.
    fn actor_id(&self) -> i64;
}

impl Guard for AuthUser {
    fn actor_id(&self) -> i64 {
        self.id
    }
}

impl Guard for Admin {
    fn actor_id(&self) -> i64 {
        self.0.id
    }
}

impl<G: Guard + 'static> FromRequest for Audit<G> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = G::from_request(req, payload);
        let client_addr = req
            .app_data::<web::Data<AppState>>()
            .and_then(|state| client_ip(req, &state.trusted_proxies));
        let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
        Box::pin(async move {
            let user = user.await?;
            Ok(Audit {
                actor_id: user.actor_id(),
                user,
                client_addr,
                request_id,
            })
        })
    }
}

/// A response type that is a resource the audit log names.
pub trait Audited: Serialize {
    const RESOURCE: ResourceType;
    /// Fields the representation works out from others (a count, a rendering): never named as
    /// changed, since no write sets them.
    const DERIVED: &'static [&'static str] = &[];
    /// Its slug, id or code, as its address has it.
    fn audit_id(&self) -> String;

    /// The webhook event this write makes, if any, from the representation before (`None`: a
    /// creation) and after. Articles decide by what the public could read.
    fn event(action: AuditAction, before: Option<&Self>, after: &Self) -> Option<EventType> {
        let _ = (before, after);
        EventType::of_write(Self::RESOURCE, action)
    }
}

impl<G> Audit<G> {
    /// Records the creation of `data` (the fields it has a value in) and hands it back.
    pub async fn created<T: Audited>(&self, tx: &mut Tx<'_>, data: T) -> ApiResult<T> {
        self.wrote(tx, AuditAction::Create, None, data, &[]).await
    }

    /// Records a replace or an update (the fields whose value differs between `before` and
    /// `after`; the id is `after`'s, e.g. a renamed article's new slug) and hands `after` back.
    pub async fn changed<T: Audited>(
        &self,
        tx: &mut Tx<'_>,
        action: AuditAction,
        before: &T,
        after: T,
    ) -> ApiResult<T> {
        self.wrote(tx, action, Some(before), after, &[]).await
    }

    /// What [`created`](Self::created) (`before` is `None`) and [`changed`](Self::changed) do,
    /// adding the names of fields the representation never shows (an admin user's
    /// `password`): their names only, never their values.
    pub async fn wrote<T: Audited>(
        &self,
        tx: &mut Tx<'_>,
        action: AuditAction,
        before: Option<&T>,
        after: T,
        unseen: &[&str],
    ) -> ApiResult<T> {
        // Serialized once: what changed, and the event's data.
        let written = json(&after);
        let fields = fields_named(before, &written, unseen);
        let id = after.audit_id();
        self.record(tx, action, T::RESOURCE, &id, &fields).await?;
        if let Some(event) = T::event(action, before, &after) {
            let data = event_data(event, T::RESOURCE, action, &id, Some(written));
            webhook::emit(tx, event, &data).await?;
        }
        Ok(after)
    }

    /// Records a delete, an archive or an erasure of one resource (no fields: the action says
    /// what happened). `id` is its slug, id or code.
    pub async fn removed(
        &self,
        tx: &mut Tx<'_>,
        action: AuditAction,
        resource: ResourceType,
        id: impl Display,
    ) -> ApiResult<()> {
        let id = id.to_string();
        self.record(tx, action, resource, &id, &[]).await?;
        if let Some(event) = EventType::of_write(resource, action) {
            let data = event_data(event, resource, action, &id, None);
            webhook::emit(tx, event, &data).await?;
        }
        Ok(())
    }

    async fn record(
        &self,
        tx: &mut Tx<'_>,
        action: AuditAction,
        resource_type: ResourceType,
        resource_id: &str,
        changed_fields: &[String],
    ) -> ApiResult<()> {
        let entry = NewAuditEntry {
            actor_id: self.actor_id,
            action,
            resource_type,
            resource_id,
            changed_fields,
            client_addr: self.client_addr,
            request_id: self.request_id.as_deref(),
        };
        if audit_entry::insert(tx, &entry).await? {
            Ok(())
        } else {
            // The user was removed while their request ran: no write without its author.
            Err(ApiError::Unauthorized(
                "The bearer token is invalid or has expired.".into(),
            ))
        }
    }
}

/// The fields an entry names: those of the representation that changed (not the ones it works
/// out from others), and `unseen`, in name order.
fn fields_named<T: Audited>(
    before: Option<&T>,
    after: &serde_json::Value,
    unseen: &[&str],
) -> Vec<String> {
    let mut fields = changed_fields(before.map(json).as_ref(), after);
    fields.retain(|f| !T::DERIVED.contains(&f.as_str()));
    fields.extend(unseen.iter().map(|f| (*f).to_owned()));
    fields.sort();
    fields.dedup();
    fields
}

/// The `data` of a webhook event: the public representation written, or the identifiers of
/// what was removed (`{"slug": …}`, `{"id": …}`, `{"state": …}`). A `certification.changed` or
/// `practice.changed` says which part changed: `{resource, id, action, item}` (`item`: its
/// representation, null when removed).
pub fn event_data(
    event: EventType,
    resource: ResourceType,
    action: AuditAction,
    id: &str,
    item: Option<serde_json::Value>,
) -> serde_json::Value {
    use serde_json::json;
    match event {
        EventType::CertificationChanged | EventType::PracticeChanged => json!({
            "resource": resource.as_str(),
            "id": id,
            "action": action.as_str(),
            "item": item,
        }),
        _ => item.unwrap_or_else(|| identifiers(resource, id)),
    }
}

/// What names a removed resource, as its address has it.
pub fn identifiers(resource: ResourceType, id: &str) -> serde_json::Value {
    use serde_json::json;
    match resource {
        ResourceType::Article
        | ResourceType::Category
        | ResourceType::HistoryEvent
        | ResourceType::PracticeType => json!({ "slug": id }),
        ResourceType::Licensure => json!({ "state": id }),
        _ => match id.parse::<i64>() {
            Ok(n) => json!({ "id": n }),
            Err(_) => json!({ "id": id }),
        },
    }
}

fn json(value: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Note {
        slug: String,
        text: String,
        /// Worked out from `text`.
        words: usize,
    }

    impl Audited for Note {
        const RESOURCE: ResourceType = ResourceType::Article;
        const DERIVED: &'static [&'static str] = &["words"];
        fn audit_id(&self) -> String {
            self.slug.clone()
        }
    }

    fn note(text: &str) -> Note {
        Note {
            slug: "a-note".into(),
            text: text.into(),
            words: text.split_whitespace().count(),
        }
    }

    #[test]
    fn a_derived_field_is_never_named_only_what_it_comes_from() {
        let (before, after) = (note("one"), note("one two"));
        let after = json(&after);
        assert_eq!(fields_named(Some(&before), &after, &[]), ["text"]);
        assert_eq!(fields_named::<Note>(None, &after, &[]), ["slug", "text"]);
    }

    #[test]
    fn an_unseen_field_is_named_in_order_and_once() {
        let (before, after) = (note("same"), note("same"));
        let after = json(&after);
        assert_eq!(
            fields_named(Some(&before), &after, &["password"]),
            ["password"]
        );
        let named = fields_named::<Note>(None, &after, &["text", "password"]);
        assert_eq!(named, ["password", "slug", "text"]);
    }
}
