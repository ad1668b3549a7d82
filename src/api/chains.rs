//! The create → read → update → delete chain of each resource, and the values one resource's
//! answers give another's requests, stated once and written into the OpenAPI document as links
//! (`openapi::render`): a client (or schemathesis's stateful phase) learns that the `slug` or
//! `id` in a 201's `data` names the item at the read, update and delete operations, and that an
//! update takes the `ETag` it was given as `If-Match`.

/// One resource's chain, by operation id.
pub struct Chain {
    /// The path parameter naming one item (`slug`, `id`, `state`).
    pub param: &'static str,
    /// The operation that makes an item (its 201 holds the item as `data`), if the API has one.
    pub create: Option<&'static str>,
    pub read: &'static str,
    pub updates: &'static [&'static str],
    pub delete: Option<&'static str>,
    /// Pages that show the item by the same parameter (a published article's page and card).
    pub views: &'static [&'static str],
    /// Path parameters every operation of the chain shares (an observation's metric `key`).
    pub shared: &'static [&'static str],
}

const fn chain(
    param: &'static str,
    create: &'static str,
    read: &'static str,
    updates: &'static [&'static str],
    delete: Option<&'static str>,
) -> Chain {
    Chain {
        param,
        create: Some(create),
        read,
        updates,
        delete,
        views: &[],
        shared: &[],
    }
}

/// Every chain in the API.
pub const CHAINS: &[Chain] = &[
    Chain {
        views: &["getArticlePage", "getArticleWidget"],
        ..chain(
            "slug",
            "createArticle",
            "getArticle",
            &["updateArticle", "replaceArticle"],
            Some("deleteArticle"),
        )
    },
    chain(
        "slug",
        "createCategory",
        "getCategory",
        &["updateCategory"],
        Some("deleteCategory"),
    ),
    chain(
        "slug",
        "createHistoryEvent",
        "getHistoryEvent",
        &["updateHistoryEvent", "replaceHistoryEvent"],
        Some("deleteHistoryEvent"),
    ),
    Chain {
        shared: &["key"],
        ..chain(
            "id",
            "createStaffingObservation",
            "getStaffingObservation",
            &["updateStaffingObservation"],
            Some("deleteStaffingObservation"),
        )
    },
    chain(
        "id",
        "createCertificationStep",
        "getCertificationStep",
        &["updateCertificationStep"],
        Some("deleteCertificationStep"),
    ),
    chain(
        "id",
        "createCertificationProgram",
        "getCertificationProgram",
        &["updateCertificationProgram"],
        Some("deleteCertificationProgram"),
    ),
    Chain {
        param: "state",
        create: None,
        read: "getLicensure",
        updates: &["updateLicensure"],
        delete: None,
        views: &[],
        shared: &[],
    },
    chain(
        "slug",
        "createPracticeType",
        "getPracticeType",
        &["updatePracticeType"],
        Some("deletePracticeType"),
    ),
    chain(
        "id",
        "createPracticeStep",
        "getPracticeStep",
        &["updatePracticeStep"],
        Some("deletePracticeStep"),
    ),
    chain(
        "id",
        "createAdminUser",
        "getAdminUser",
        &["updateAdminUser"],
        None,
    ),
    Chain {
        views: &[
            "rotateWebhookSecret",
            "testWebhook",
            "listWebhookDeliveries",
        ],
        ..chain(
            "id",
            "createWebhook",
            "getWebhook",
            &["updateWebhook"],
            Some("deleteWebhook"),
        )
    },
];

/// A value one operation's answer gives another operation's request, outside a chain.
pub struct Feed {
    pub from: &'static str,
    pub status: &'static str,
    pub to: &'static str,
    /// Where the value goes: `body.<field>` (merged into the body) or `path.<parameter>`.
    pub into: &'static str,
    /// A runtime expression for the value.
    pub value: &'static str,
    pub description: &'static str,
}

/// Every feed in the API.
pub const FEEDS: &[Feed] = &[
    Feed {
        from: "createCategory",
        status: "201",
        to: "createArticle",
        into: "body.category",
        value: "$response.body#/data/slug",
        description: "Files a new article in this category.",
    },
    Feed {
        from: "getCategory",
        status: "200",
        to: "createArticle",
        into: "body.category",
        value: "$response.body#/data/slug",
        description: "Files a new article in this category.",
    },
    Feed {
        from: "getStaffingStatistic",
        status: "200",
        to: "createStaffingObservation",
        into: "path.key",
        value: "$response.body#/data/key",
        description: "Adds an observation of this statistic.",
    },
];
