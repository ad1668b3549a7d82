//! The audit log's words: what a write did ([`AuditAction`]), to which kind of resource
//! ([`ResourceType`]), and which of its fields it changed ([`changed_fields`]: names only,
//! never values).

use diesel::{deserialize::FromSqlRow, expression::AsExpression, sql_types::Text};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// What a write did.
// Stored as text (`audit_log.action`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// POST: a new resource.
    Create,
    /// PUT: the whole of a resource.
    Replace,
    /// PATCH: part of a resource.
    Update,
    /// DELETE: removed for good.
    Delete,
    /// DELETE of an article without `hard`: hidden from the public, kept.
    Archive,
    /// DELETE of a subscriber: the personal data removed, an anonymous row kept.
    Erase,
}

names!(AuditAction {
    Create = "create",
    Replace = "replace",
    Update = "update",
    Delete = "delete",
    Archive = "archive",
    Erase = "erase",
});

/// The kind of resource a write changed; with its id (slug, number or state code) it names
/// the resource.
// Stored as text (`audit_log.resource_type`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    /// By slug.
    Article,
    /// By slug.
    Category,
    /// By slug.
    HistoryEvent,
    /// By id.
    StaffingObservation,
    /// By id.
    CertificationStep,
    /// By id.
    CertificationProgram,
    /// By two-letter state code.
    Licensure,
    /// By slug.
    PracticeType,
    /// By id.
    PracticeStep,
    /// By id.
    AdminUser,
    /// By id.
    Subscriber,
    /// By id.
    Webhook,
}

names!(ResourceType {
    Article = "article",
    Category = "category",
    HistoryEvent = "history_event",
    StaffingObservation = "staffing_observation",
    CertificationStep = "certification_step",
    CertificationProgram = "certification_program",
    Licensure = "licensure",
    PracticeType = "practice_type",
    PracticeStep = "practice_step",
    AdminUser = "admin_user",
    Subscriber = "subscriber",
    Webhook = "webhook",
});

/// Fields every resource has that say nothing about a change.
const BOOKKEEPING: &[&str] = &["id", "created_at", "updated_at"];

/// The names of the fields whose value differs between two representations of a resource
/// (JSON objects, as the API sends them), in name order. `before` is `None` for a new resource:
/// then every field it was given a value counts (not null, `false`, `""`, `[]` or `{}`: what a
/// field left out of a create holds). Only names leave this function; what a representation
/// holds is compared, never kept.
pub fn changed_fields(before: Option<&Value>, after: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let after = after.as_object().unwrap_or(&empty);
    let differs = |k: &String| match before {
        Some(before) => {
            before.get(k).unwrap_or(&Value::Null) != after.get(k).unwrap_or(&Value::Null)
        }
        None => after.get(k).is_some_and(has_value),
    };
    let before_keys = before.and_then(Value::as_object).map(|b| b.keys());
    let mut names: Vec<String> = after
        .keys()
        .chain(before_keys.into_iter().flatten())
        .filter(|k| !BOOKKEEPING.contains(&k.as_str()))
        .filter(|k| differs(k))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

/// False for what a field of a new resource holds when it was given nothing.
fn has_value(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(true) | Value::Number(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_update_names_the_fields_whose_value_changed() {
        let before = json!({"id": 1, "slug": "a", "title": "Old", "tags": ["x"], "updated_at": 1});
        let after =
            json!({"id": 1, "slug": "a", "title": "New", "tags": ["x", "y"], "updated_at": 2});
        assert_eq!(changed_fields(Some(&before), &after), ["tags", "title"]);
    }

    #[test]
    fn setting_a_field_to_the_value_it_had_changes_nothing() {
        let same = json!({"slug": "a", "title": "T", "source_url": null});
        assert!(changed_fields(Some(&same), &same).is_empty());
    }

    #[test]
    fn clearing_a_field_counts_and_so_does_a_nested_change() {
        let before = json!({"source_url": "https://example.org", "category": {"slug": "a"}});
        let after = json!({"source_url": null, "category": {"slug": "b"}});
        assert_eq!(
            changed_fields(Some(&before), &after),
            ["category", "source_url"]
        );
    }

    #[test]
    fn a_new_resource_names_every_field_given_a_value() {
        let after = json!({"id": 7, "slug": "a", "title": "T", "note": null, "created_at": 1});
        assert_eq!(changed_fields(None, &after), ["slug", "title"]);
    }

    #[test]
    fn a_new_resource_does_not_name_fields_left_empty_or_false() {
        let after = json!({
            "slug": "a", "people": [], "excerpt": "", "extra": {}, "headline": false,
            "featured": true, "position": 0,
        });
        assert_eq!(
            changed_fields(None, &after),
            ["featured", "position", "slug"]
        );
    }

    #[test]
    fn a_field_only_one_side_has_counts() {
        let before = json!({"slug": "a", "gone": 1});
        let after = json!({"slug": "a", "new": 2});
        assert_eq!(changed_fields(Some(&before), &after), ["gone", "new"]);
    }

    #[test]
    fn values_never_leave_only_names_do() {
        let before = json!({"email": "pat@example.org", "display_name": "Pat"});
        let after = json!({"email": "pat@example.org", "display_name": "Patricia"});
        let names = changed_fields(Some(&before), &after);
        assert_eq!(names, ["display_name"]);
        assert!(!names.iter().any(|n| n.contains("Pat") || n.contains('@')));
    }

    #[test]
    fn names_are_stored_as_serde_sends_them() {
        for a in AuditAction::ALL {
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
            assert_eq!(AuditAction::parse(a.as_str()), Ok(*a));
        }
        for r in ResourceType::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
            assert_eq!(ResourceType::parse(r.as_str()), Ok(*r));
        }
        let err = AuditAction::parse("rename").unwrap_err();
        assert!(
            err.starts_with("must be one of `create`, `replace`"),
            "{err}"
        );
    }
}
