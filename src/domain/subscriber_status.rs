//! Where a subscriber stands: `pending` (signed up, not confirmed) → `confirmed` →
//! `unsubscribed` (and back to `pending` by a new sign-up); `erased` when an admin removed the
//! personal data.

use diesel::{deserialize::FromSqlRow, expression::AsExpression, sql_types::Text};
use serde::Serialize;

// Stored as text (`subscribers.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "lowercase")]
pub enum SubscriberStatus {
    Pending,
    Confirmed,
    Unsubscribed,
    Erased,
}

impl SubscriberStatus {
    /// Its name, as stored and as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Unsubscribed => "unsubscribed",
            Self::Erased => "erased",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "pending" => Ok(Self::Pending),
            "confirmed" => Ok(Self::Confirmed),
            "unsubscribed" => Ok(Self::Unsubscribed),
            "erased" => Ok(Self::Erased),
            _ => Err("must be one of `pending`, `confirmed`, `unsubscribed`, `erased`".into()),
        }
    }
}

/// What a sign-up does to an address that already has a row, by its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignUpStep {
    /// Pending: the sign-up statement already queued the confirmation mail.
    Mailed,
    /// Unsubscribed: start again (pending, new details) and mail a confirmation.
    Restart,
    /// Confirmed (or erased): nothing new; the answer stays the same.
    Nothing,
}

/// What a confirmation link does, by the subscriber's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmStep {
    /// Pending and in time: confirm and send the welcome mail.
    Confirm,
    /// Already confirmed: answer as before, send nothing.
    AlreadyConfirmed,
    /// Pending, but the link's time is over (410).
    Expired,
    /// Anything else is an unknown link (404).
    Unknown,
}

impl SubscriberStatus {
    pub fn on_sign_up(self) -> SignUpStep {
        match self {
            Self::Pending => SignUpStep::Mailed,
            Self::Unsubscribed => SignUpStep::Restart,
            Self::Confirmed | Self::Erased => SignUpStep::Nothing,
        }
    }

    pub fn on_confirm(self, expired: bool) -> ConfirmStep {
        match self {
            Self::Confirmed => ConfirmStep::AlreadyConfirmed,
            Self::Pending if expired => ConfirmStep::Expired,
            Self::Pending => ConfirmStep::Confirm,
            Self::Unsubscribed | Self::Erased => ConfirmStep::Unknown,
        }
    }
}

text_column!(SubscriberStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_is_stored_under_the_name_it_is_read_back_from() {
        use SubscriberStatus::*;
        for s in [Pending, Confirmed, Unsubscribed, Erased] {
            assert_eq!(SubscriberStatus::parse(s.as_str()), Ok(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        assert!(SubscriberStatus::parse("deleted").is_err());
    }

    #[test]
    fn only_an_unsubscribed_address_is_restarted_by_a_sign_up() {
        use SubscriberStatus::*;
        assert_eq!(Pending.on_sign_up(), SignUpStep::Mailed);
        assert_eq!(Unsubscribed.on_sign_up(), SignUpStep::Restart);
        assert_eq!(Confirmed.on_sign_up(), SignUpStep::Nothing);
        assert_eq!(Erased.on_sign_up(), SignUpStep::Nothing);
    }

    #[test]
    fn a_confirmation_link_confirms_only_a_pending_subscriber_in_time() {
        use SubscriberStatus::*;
        assert_eq!(Pending.on_confirm(false), ConfirmStep::Confirm);
        assert_eq!(Pending.on_confirm(true), ConfirmStep::Expired);
        assert_eq!(Confirmed.on_confirm(true), ConfirmStep::AlreadyConfirmed);
        assert_eq!(Unsubscribed.on_confirm(false), ConfirmStep::Unknown);
        assert_eq!(Erased.on_confirm(false), ConfirmStep::Unknown);
    }
}
