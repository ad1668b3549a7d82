// @generated automatically by Diesel CLI.

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

diesel::allow_tables_to_appear_in_same_query!(
    admin_users,
    article_slug_redirects,
    article_tags,
    articles,
    categories,
    history_events,
    tags,
);
