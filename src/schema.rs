// @generated automatically by Diesel CLI.

diesel::table! {
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

diesel::allow_tables_to_appear_in_same_query!(admin_users, history_events,);
