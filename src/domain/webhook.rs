//! The rules of webhooks (Standard Webhooks, standardwebhooks.com): which events exist and
//! what an endpoint subscribes to, the signing secret and the signature, the retry schedule,
//! and which addresses a delivery may never reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::{engine::general_purpose::STANDARD, Engine};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use rand::{Rng, RngCore};
use sha2::Sha256;

use super::{AuditAction, ResourceType};

/// What happened, as a delivery's `type` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    ArticlePublished,
    ArticleUpdated,
    ArticleUnpublished,
    ArticleDeleted,
    HistoryEventCreated,
    HistoryEventUpdated,
    HistoryEventDeleted,
    StaffingObservationCreated,
    StaffingObservationUpdated,
    StaffingObservationDeleted,
    CertificationChanged,
    PracticeChanged,
    /// Sent by `POST /api/v1/admin/webhooks/{id}/test` only, whatever the endpoint subscribes to.
    WebhookTest,
}

names!(EventType {
    ArticlePublished = "article.published",
    ArticleUpdated = "article.updated",
    ArticleUnpublished = "article.unpublished",
    ArticleDeleted = "article.deleted",
    HistoryEventCreated = "history_event.created",
    HistoryEventUpdated = "history_event.updated",
    HistoryEventDeleted = "history_event.deleted",
    StaffingObservationCreated = "staffing_observation.created",
    StaffingObservationUpdated = "staffing_observation.updated",
    StaffingObservationDeleted = "staffing_observation.deleted",
    CertificationChanged = "certification.changed",
    PracticeChanged = "practice.changed",
    WebhookTest = "webhook.test",
});

/// Subscribes an endpoint to every event.
pub const ALL_EVENTS: &str = "*";
/// The most event names one endpoint lists.
pub const MAX_EVENTS: usize = 20;

impl EventType {
    /// The event a write of a resource other than an article makes, if any: created, updated
    /// or deleted for the timeline and the staffing figures; `changed` for any write to the
    /// certification or practice pages. Articles decide by what the public saw
    /// ([`article_event`]).
    pub fn of_write(resource: ResourceType, action: AuditAction) -> Option<Self> {
        use AuditAction as A;
        use ResourceType as R;
        Some(match (resource, action) {
            (R::HistoryEvent, A::Create) => Self::HistoryEventCreated,
            (R::HistoryEvent, A::Replace | A::Update) => Self::HistoryEventUpdated,
            (R::HistoryEvent, _) => Self::HistoryEventDeleted,
            (R::StaffingObservation, A::Create) => Self::StaffingObservationCreated,
            (R::StaffingObservation, A::Replace | A::Update) => Self::StaffingObservationUpdated,
            (R::StaffingObservation, _) => Self::StaffingObservationDeleted,
            (R::CertificationStep | R::CertificationProgram | R::Licensure, _) => {
                Self::CertificationChanged
            }
            (R::PracticeType | R::PracticeStep, _) => Self::PracticeChanged,
            _ => return None,
        })
    }

    /// Whether an endpoint that listed `events` receives this event.
    pub fn is_in(self, events: &[String]) -> bool {
        events.iter().any(|e| e == ALL_EVENTS || e == self.as_str())
    }
}

/// The event of an article's write, from whether the public could read it before and after:
/// it appeared (`published`), changed while public (`updated`) or disappeared
/// (`unpublished`); a change the public never saw is no event.
pub fn article_event(was_public: bool, is_public: bool) -> Option<EventType> {
    match (was_public, is_public) {
        (false, true) => Some(EventType::ArticlePublished),
        (true, true) => Some(EventType::ArticleUpdated),
        (true, false) => Some(EventType::ArticleUnpublished),
        (false, false) => None,
    }
}

/// What an endpoint may list: `*`, then every event type but `webhook.test`.
pub fn subscribable() -> Vec<&'static str> {
    std::iter::once(ALL_EVENTS)
        .chain(
            EventType::ALL
                .iter()
                .filter(|t| **t != EventType::WebhookTest)
                .map(|t| t.as_str()),
        )
        .collect()
}

/// The event names an endpoint subscribes to: each an event type (not `webhook.test`, which
/// every endpoint gets when asked) or `*`; at least one, at most [`MAX_EVENTS`], duplicates
/// dropped. Errors name the offending item (`events[2]`).
pub fn parse_events(names: &[String]) -> Result<Vec<String>, Vec<(String, String)>> {
    let mut errors = Vec::new();
    if names.is_empty() {
        errors.push((
            "events".into(),
            "must list at least one event, or `*`".into(),
        ));
    }
    if names.len() > MAX_EVENTS {
        errors.push((
            "events".into(),
            format!("must list at most {MAX_EVENTS} events"),
        ));
    }
    let mut events: Vec<String> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let names = subscribable();
        if !names.contains(&name.as_str()) {
            errors.push((
                format!("events[{i}]"),
                format!("must be `*` or one of `{}`", names[1..].join("`, `")),
            ));
        } else if !events.contains(name) {
            events.push(name.clone());
        }
    }
    match errors.is_empty() {
        true => Ok(events),
        false => Err(errors),
    }
}

/// A signing secret: 32 random bytes, shown once as `whsec_` + their base64.
pub struct Secret(pub Vec<u8>);

impl Secret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Secret(bytes)
    }

    /// What the admin is shown, once: `whsec_…`.
    pub fn shown(&self) -> String {
        format!("whsec_{}", STANDARD.encode(&self.0))
    }
}

/// The `webhook-signature` header: `v1,` + the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`
/// under each key, space-separated (two during a rotation).
pub fn signature_header(keys: &[&[u8]], message_id: &str, timestamp: i64, body: &str) -> String {
    keys.iter()
        .map(|key| {
            let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
            mac.update(format!("{message_id}.{timestamp}.").as_bytes());
            mac.update(body.as_bytes());
            format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The waits between attempts, as Standard Webhooks schedules them: the first attempt at once,
/// then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h.
const SCHEDULE_SECS: [i64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
/// Attempts in all before a delivery is given up.
pub const MAX_ATTEMPTS: i32 = SCHEDULE_SECS.len() as i32 + 1;
/// An endpoint failing (no success at all) for this long is turned off.
pub const FAILING_DAYS: i64 = 5;

/// The wait before the next attempt after `attempts` failed ones, with up to 10 % jitter either
/// way so that many deliveries failed together do not retry together; `None` after the last.
pub fn retry_after(attempts: i32) -> Option<Duration> {
    let base = *SCHEDULE_SECS.get(usize::try_from(attempts - 1).ok()?)?;
    let millis = base * 1000;
    let jitter = rand::thread_rng().gen_range(-millis / 10..=millis / 10);
    Some(Duration::milliseconds(millis + jitter))
}

/// What follows an attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Succeeded,
    /// Failed; tried again then.
    RetryAt(DateTime<Utc>),
    /// Failed for the last time.
    GiveUp,
    /// Failed, and the endpoint is turned off for this reason (a 410, five days of failures).
    Disable(String),
}

/// The verdict on an attempt that answered `status` (`None`: no answer), made at `now`, the
/// `attempt`-th of its delivery (1 for the first), on an endpoint failing since
/// `failing_since`: any 2xx succeeds; a 410 turns the endpoint off; a failure on an endpoint
/// that has had no success for [`FAILING_DAYS`] turns it off; else the schedule decides.
pub fn verdict(
    status: Option<u16>,
    attempt: i32,
    failing_since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Verdict {
    match status {
        Some(200..=299) => return Verdict::Succeeded,
        Some(410) => return Verdict::Disable("the endpoint answered 410 Gone".into()),
        _ => {}
    }
    if let Some(since) = failing_since.filter(|t| now - *t >= Duration::days(FAILING_DAYS)) {
        return Verdict::Disable(format!(
            "no delivery succeeded for {FAILING_DAYS} days (failing since {})",
            since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
    }
    match retry_after(attempt) {
        Some(wait) => Verdict::RetryAt(now + wait),
        None => Verdict::GiveUp,
    }
}

/// An endpoint's health after some attempts: failing since when (`None`: its last attempt
/// succeeded), and the reason and time it was turned off, if a verdict did that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub failing_since: Option<DateTime<Utc>>,
    pub disabled: Option<(String, DateTime<Utc>)>,
}

/// What an endpoint failing since `failing_since` becomes after these attempts, each its time
/// and verdict, taken in time order whatever order they come in: a success clears the failing
/// time, a failure sets it when unset, and a verdict to disable turns the endpoint off.
pub fn health_after<'a>(
    failing_since: Option<DateTime<Utc>>,
    attempts: impl IntoIterator<Item = (DateTime<Utc>, &'a Verdict)>,
) -> Health {
    let mut attempts: Vec<_> = attempts.into_iter().collect();
    attempts.sort_by_key(|(at, _)| *at);
    let mut health = Health {
        failing_since,
        disabled: None,
    };
    for (at, verdict) in attempts {
        match verdict {
            Verdict::Succeeded => health.failing_since = None,
            Verdict::RetryAt(_) | Verdict::GiveUp => {
                health.failing_since = health.failing_since.or(Some(at));
            }
            Verdict::Disable(reason) => {
                health.failing_since = health.failing_since.or(Some(at));
                health.disabled = Some((reason.clone(), at));
            }
        }
    }
    health
}

/// Whether a delivery may connect to `ip`: never to loopback, private, link-local, shared
/// (carrier-grade NAT), multicast, documentation or otherwise reserved addresses, nor to an
/// IPv6 address that wraps one of those.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (RFC 6598)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || first == 0x0064 && ip.segments()[1] == 0xff9b // NAT64, wraps IPv4
        || first == 0x2002) // 6to4, wraps IPv4
}

/// Why a webhook URL cannot be used, checked when it is given: https in production, and a
/// host that is not an internal address written out (`127.0.0.1`, `localhost`) unless
/// internal targets are allowed. Names are resolved, and checked again, at each delivery.
pub fn check_target(url: &str, https_only: bool, allow_private: bool) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|_| "must be an absolute URL".to_string())?;
    if https_only && parsed.scheme() != "https" {
        return Err("must be an https URL in production".into());
    }
    if allow_private {
        return Ok(());
    }
    let internal = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => !is_public_address(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => !is_public_address(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            name == "localhost" || name.ends_with(".localhost") || name.ends_with(".internal")
        }
        None => true,
    };
    match internal {
        true => Err("must not point to a loopback, private or otherwise internal address".into()),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoints_health_follows_its_attempts_in_time_order() {
        let t = |s: i64| DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap();
        let retry = Verdict::RetryAt(t(100));
        let gone = Verdict::Disable("the endpoint answered 410 Gone".into());
        let healthy = |failing_since| Health {
            failing_since,
            disabled: None,
        };
        // A failure starts the clock; a later success stops it, whatever order they come in.
        assert_eq!(health_after(None, [(t(1), &retry)]), healthy(Some(t(1))));
        let both = [(t(2), &Verdict::Succeeded), (t(1), &retry)];
        assert_eq!(health_after(None, both), healthy(None));
        let both = [(t(1), &Verdict::Succeeded), (t(2), &retry)];
        assert_eq!(health_after(None, both), healthy(Some(t(2))));
        // A failure keeps the time the failing began.
        assert_eq!(
            health_after(Some(t(0)), [(t(5), &retry)]),
            healthy(Some(t(0)))
        );
        assert_eq!(health_after(Some(t(0)), []), healthy(Some(t(0))));
        // A 410 turns it off, with the reason and the time.
        let off = health_after(None, [(t(3), &gone)]);
        assert_eq!(off.failing_since, Some(t(3)));
        assert_eq!(
            off.disabled,
            Some((String::from("the endpoint answered 410 Gone"), t(3)))
        );
    }

    #[test]
    fn the_schedule_is_standard_webhooks_with_jitter_and_ends_after_eight_attempts() {
        let expected = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
        for (i, secs) in expected.iter().enumerate() {
            let wait = retry_after(i as i32 + 1).unwrap().num_milliseconds();
            let (low, high) = (secs * 900, secs * 1100);
            assert!((low..=high).contains(&wait), "attempt {}: {wait} ms", i + 1);
        }
        assert_eq!(MAX_ATTEMPTS, 8);
        assert!(retry_after(8).is_none());
        assert!(retry_after(0).is_none());
    }

    #[test]
    fn a_2xx_succeeds_a_410_disables_and_five_days_of_failure_disable() {
        let now = Utc::now();
        assert_eq!(verdict(Some(204), 3, Some(now), now), Verdict::Succeeded);
        assert!(matches!(
            verdict(Some(410), 1, None, now),
            Verdict::Disable(_)
        ));
        assert!(matches!(verdict(Some(500), 1, None, now), Verdict::RetryAt(t) if t > now));
        assert!(matches!(
            verdict(None, 2, Some(now), now),
            Verdict::RetryAt(_)
        ));
        assert_eq!(verdict(Some(500), 8, None, now), Verdict::GiveUp);
        let long_ago = now - Duration::days(FAILING_DAYS);
        match verdict(Some(503), 2, Some(long_ago), now) {
            Verdict::Disable(reason) => assert!(reason.contains("5 days"), "{reason}"),
            other => panic!("{other:?}"),
        }
        let recent = now - Duration::days(FAILING_DAYS - 1);
        assert!(matches!(
            verdict(Some(503), 2, Some(recent), now),
            Verdict::RetryAt(_)
        ));
    }

    #[test]
    fn the_signature_matches_the_specifications_example() {
        // The example of the Standard Webhooks specification (spec/standard-webhooks.md).
        let key = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        let header = signature_header(&[&key], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_rotation_signs_with_both_keys() {
        let header = signature_header(&[b"new", b"old"], "msg_1", 1, "{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.starts_with("v1,")));
        assert_ne!(parts[0], parts[1]);
    }

    #[test]
    fn a_secret_is_whsec_and_base64_of_32_random_bytes() {
        let (a, b) = (Secret::generate(), Secret::generate());
        assert_ne!(a.0, b.0);
        let shown = a.shown();
        let encoded = shown.strip_prefix("whsec_").unwrap();
        assert_eq!(STANDARD.decode(encoded).unwrap(), a.0);
    }

    #[test]
    fn internal_addresses_are_refused_and_public_ones_taken() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public_address(internal.parse().unwrap()), "{internal}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"] {
            assert!(is_public_address(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn a_target_must_be_https_in_production_and_not_internal_unless_allowed() {
        assert!(check_target("https://hooks.example.org/in", true, false).is_ok());
        assert!(check_target("http://hooks.example.org/in", true, false).is_err());
        assert!(check_target("http://hooks.example.org/in", false, false).is_ok());
        for internal in [
            "http://127.0.0.1:9000/",
            "http://localhost/",
            "http://api.localhost/",
            "http://[::1]/",
            "http://10.0.0.7/",
        ] {
            assert!(check_target(internal, false, false).is_err(), "{internal}");
            assert!(check_target(internal, false, true).is_ok(), "{internal}");
        }
    }

    #[test]
    fn events_are_checked_one_by_one_and_duplicates_dropped() {
        let list = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_events(&list(&["article.published", "*", "article.published"])).unwrap(),
            list(&["article.published", "*"])
        );
        let errors = parse_events(&list(&[
            "article.published",
            "article.eaten",
            "webhook.test",
        ]))
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["events[1]", "events[2]"]);
        assert_eq!(parse_events(&[]).unwrap_err()[0].0, "events");
    }

    #[test]
    fn an_article_event_follows_what_the_public_could_read() {
        assert_eq!(
            article_event(false, true),
            Some(EventType::ArticlePublished)
        );
        assert_eq!(article_event(true, true), Some(EventType::ArticleUpdated));
        assert_eq!(
            article_event(true, false),
            Some(EventType::ArticleUnpublished)
        );
        assert_eq!(article_event(false, false), None);
    }

    #[test]
    fn writes_map_to_their_events() {
        use AuditAction as A;
        use ResourceType as R;
        assert_eq!(
            EventType::of_write(R::HistoryEvent, A::Replace),
            Some(EventType::HistoryEventUpdated)
        );
        assert_eq!(
            EventType::of_write(R::Licensure, A::Update),
            Some(EventType::CertificationChanged)
        );
        assert_eq!(
            EventType::of_write(R::PracticeStep, A::Delete),
            Some(EventType::PracticeChanged)
        );
        assert_eq!(EventType::of_write(R::Subscriber, A::Erase), None);
        assert_eq!(EventType::of_write(R::AdminUser, A::Create), None);
        assert!(EventType::ArticleDeleted.is_in(&["*".into()]));
        assert!(!EventType::ArticleDeleted.is_in(&["article.published".into()]));
    }
}
