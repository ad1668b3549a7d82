// @generated automatically by Diesel CLI.

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    accredited_programs (id) {
        id -> Int8,
        name -> Text,
        institution -> Text,
        city -> Nullable<Text>,
        state -> Nullable<Text>,
        degree -> Nullable<Text>,
        url -> Nullable<Text>,
        accreditation_status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    admin_users (id) {
        id -> Int8,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        disabled -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        last_login_at -> Nullable<Timestamptz>,
        tokens_valid_after -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    article_slug_redirects (slug) {
        slug -> Text,
        article_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    article_tags (article_id, tag_id) {
        article_id -> Int8,
        tag_id -> Int8,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    articles (id) {
        id -> Int8,
        slug -> Text,
        title -> Text,
        excerpt -> Text,
        body_markdown -> Text,
        body_html -> Text,
        category_id -> Int8,
        author_id -> Nullable<Int8>,
        featured_image_url -> Nullable<Text>,
        featured_image_alt -> Nullable<Text>,
        status -> Text,
        published_at -> Nullable<Timestamptz>,
        reading_time_minutes -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        listed_at -> Timestamptz,
        search -> Tsvector,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    audit_log (id) {
        id -> Int8,
        occurred_at -> Timestamptz,
        actor_id -> Int8,
        actor_email -> Text,
        action -> Text,
        resource_type -> Text,
        resource_id -> Text,
        changed_fields -> Array<Nullable<Text>>,
        client_addr -> Nullable<Inet>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    categories (id) {
        id -> Int8,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        position -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    certification_overview (id) {
        id -> Int4,
        credential_code -> Text,
        credential_name -> Text,
        awarded_by -> Text,
        credential -> Text,
        seed_page_says -> Text,
        correction -> Text,
        recertification_frequency -> Text,
        recertification_clinical -> Text,
        recertification_professional -> Text,
        recertification_sources -> Array<Nullable<Text>>,
        accreditation_bodies -> Text,
        accreditation_thresholds -> Text,
        accreditation_sources -> Array<Nullable<Text>>,
        programs_note -> Text,
        updated_at -> Timestamptz,
        alternatives -> Array<Nullable<Text>>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    certification_program_counts (id) {
        id -> Int8,
        value -> Int4,
        source -> Text,
        source_url -> Nullable<Text>,
        as_of -> Nullable<Date>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    certification_steps (id) {
        id -> Int8,
        position -> Int4,
        title -> Text,
        detail -> Nullable<Text>,
        source_url -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    history_events (id) {
        id -> Int8,
        slug -> Text,
        title -> Text,
        summary -> Text,
        year -> Int4,
        year_is_approximate -> Bool,
        people -> Array<Nullable<Text>>,
        source_url -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    licensure (state) {
        state -> Text,
        name -> Text,
        license_required -> Nullable<Text>,
        as_of -> Nullable<Date>,
        source_url -> Nullable<Text>,
        note -> Nullable<Text>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    outbox (id) {
        id -> Int8,
        subscriber_id -> Int8,
        kind -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        claimed_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    practice_steps (id) {
        id -> Int8,
        position -> Int4,
        title -> Text,
        detail -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    practice_types (id) {
        id -> Int8,
        slug -> Text,
        name -> Text,
        summary -> Text,
        source_url -> Nullable<Text>,
        position -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    rate_limit_windows (bucket, key) {
        bucket -> Text,
        key -> Text,
        window_start -> Timestamptz,
        hits -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    staffing_metrics (id) {
        id -> Int8,
        key -> Text,
        label -> Text,
        unit -> Text,
        description -> Text,
        position -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    staffing_observations (id) {
        id -> Int8,
        metric_id -> Int8,
        value -> Float8,
        as_of -> Nullable<Date>,
        source -> Text,
        source_url -> Nullable<Text>,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        retrieved_at -> Nullable<Date>,
        headline -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    subscriber_tokens (token_hash) {
        token_hash -> Bytea,
        subscriber_id -> Int8,
        purpose -> Text,
        expires_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    subscribers (id) {
        id -> Int8,
        email -> Nullable<Text>,
        name -> Nullable<Text>,
        topics -> Array<Nullable<Text>>,
        status -> Text,
        consent_version -> Nullable<Text>,
        confirmed_at -> Nullable<Timestamptz>,
        unsubscribed_at -> Nullable<Timestamptz>,
        confirmations_day -> Nullable<Date>,
        confirmations_sent -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    tags (id) {
        id -> Int8,
        slug -> Text,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(article_slug_redirects -> articles (article_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(articles -> admin_users (author_id));
diesel::joinable!(articles -> categories (category_id));
diesel::joinable!(outbox -> subscribers (subscriber_id));
diesel::joinable!(staffing_observations -> staffing_metrics (metric_id));
diesel::joinable!(subscriber_tokens -> subscribers (subscriber_id));

diesel::allow_tables_to_appear_in_same_query!(
    accredited_programs,
    admin_users,
    article_slug_redirects,
    article_tags,
    articles,
    audit_log,
    categories,
    certification_overview,
    certification_program_counts,
    certification_steps,
    history_events,
    licensure,
    outbox,
    practice_steps,
    practice_types,
    rate_limit_windows,
    staffing_metrics,
    staffing_observations,
    subscriber_tokens,
    subscribers,
    tags,
);

diesel::table! {
    webhook_endpoints (id) {
        id -> Int8,
        url -> Text,
        events -> Array<Text>,
        description -> Nullable<Text>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        disabled_at -> Nullable<Timestamptz>,
        secret -> Bytea,
        previous_secret -> Nullable<Bytea>,
        previous_secret_until -> Nullable<Timestamptz>,
        failing_since -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    // `xid` (xid8) is read by the worker's own SQL only.
    webhook_events (id) {
        id -> Int8,
        event_type -> Text,
        message_id -> Text,
        body -> Text,
        created_at -> Timestamptz,
        fanned_out -> Bool,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Int8,
        endpoint_id -> Int8,
        event_id -> Int8,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        claimed_until -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Int8,
        delivery_id -> Int8,
        attempted_at -> Timestamptz,
        status_code -> Nullable<Int4>,
        latency_ms -> Int4,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_announcements (article_id, published_at) {
        article_id -> Int8,
        published_at -> Timestamptz,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::allow_tables_to_appear_in_same_query!(
    webhook_endpoints,
    webhook_events,
    webhook_deliveries,
    webhook_attempts,
);
