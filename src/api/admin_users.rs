//! `/api/v1/admin/users`: admins manage who may hold tokens (role `admin` only).

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::responses::{AdminOnly, JsonBodyErrors, PageErrors, Unavailable};
use super::{
    audit::{Audit, Audited},
    auth::hash_off_thread,
    extract::{JsonBody, Query},
};
use crate::http::{
    cache::{created, json_ok},
    envelope::{Item, Page},
    pagination::PageParams,
};
use crate::{
    auth::Admin,
    db::{self, Tx},
    domain::{AuditAction, BoundedText, Email, Password, ResourceType, Role},
    errors::{ApiError, ApiResult, Problem, QueryResultExt, Validator},
    models::admin_user::{self, AdminUserChangeset, NewAdminUser},
    state::AppState,
};

const NO_USER: &str = "No admin user has this id.";

const CURSOR_KIND: &str = "admin_users";
type DisplayName = BoundedText<1, 100>;

/// Someone who may write content (`editor`) or also manage users (`admin`).
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUser {
    pub id: i64,
    pub email: String,
    /// The name shown publicly (e.g. as an article's author).
    pub display_name: String,
    pub role: Role,
    /// A disabled user cannot log in, and their tokens stop working.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[schema(required = true)]
    pub last_login_at: Option<DateTime<Utc>>,
}

impl Audited for AdminUser {
    const RESOURCE: ResourceType = ResourceType::AdminUser;
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
}

impl From<admin_user::AdminUser> for AdminUser {
    fn from(row: admin_user::AdminUser) -> Self {
        Self {
            id: row.id,
            role: row.role,
            email: row.email,
            display_name: row.display_name,
            disabled: row.disabled,
            created_at: row.created_at,
            updated_at: row.updated_at,
            last_login_at: row.last_login_at,
        }
    }
}

/// A new user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdminUserInput {
    #[schema(required = true, value_type = String, format = Email, max_length = 254)]
    pub email: Option<String>,
    /// 1 to 100 characters; defaults to the part of the email before the @.
    #[schema(inline, value_type = Option<BoundedText<1, 100>>)]
    pub display_name: Option<String>,
    /// At least 12 characters.
    #[schema(required = true, value_type = String, min_length = 12, max_length = 256)]
    pub password: Option<String>,
    #[schema(required = true, value_type = Role)]
    pub role: Option<Role>,
}

/// Changes to a user; only the fields present change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminUserPatch {
    #[schema(inline, value_type = Option<BoundedText<1, 100>>)]
    pub display_name: Option<String>,
    #[schema(min_length = 12, max_length = 256)]
    pub password: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// All admin users, by id.
#[utoipa::path(
    operation_id = "listAdminUsers",
    tag = "Admin users",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of users", body = Page<AdminUser>),
        PageErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[get("/api/v1/admin/users")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    params: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = params.0.request::<i64>(CURSOR_KIND, &state.cursor_key)?;
    let mut conn = state.pool.get().await?;
    let rows = admin_user::list(&mut conn, page.after, page.fetch()).await?;
    let total = admin_user::count(&mut conn).await?;
    Ok(page.respond(&req, rows, total, |u| u.id, AdminUser::from))
}

/// One admin user.
#[utoipa::path(
    operation_id = "getAdminUser",
    tag = "Admin users",
    params(("id" = i64, Path, description = "The user's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = Item<AdminUser>),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[get("/api/v1/admin/users/{id}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = admin_user::find(&mut conn, *id).await.or_404(NO_USER)?;
    Ok(json_ok(&req, &Item::new(AdminUser::from(row))))
}

/// Adds an editor or admin.
#[utoipa::path(
    operation_id = "createAdminUser",
    tag = "Admin users",
    request_body = NewAdminUserInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Item<AdminUser>, headers(("Location" = String))),
        (status = 409, description = "The email is taken", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[post("/api/v1/admin/users")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    input: JsonBody<NewAdminUserInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let (mut new, password) = input.parse(v)?;
    new.password_hash = hash_off_thread(password.expose().to_owned()).await?;
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        let row = admin_user::insert(tx, &new).await.or_409(EMAIL_TAKEN)?;
        let (action, unseen) = (AuditAction::Create, &["password"]);
        audit
            .wrote(tx, action, None, AdminUser::from(row), unseen)
            .await
    })
    .await?;
    let location = format!("/api/v1/admin/users/{}", data.id);
    Ok(created(&req, location, &Item::new(data)))
}

const EMAIL_TAKEN: &str = "An admin user with this email already exists.";

impl NewAdminUserInput {
    /// The new user (without its hash yet) and its password; every invalid field at once. The
    /// display name defaults to the part of the email before the @.
    fn parse(&self, mut v: Validator) -> ApiResult<(NewAdminUser, Password)> {
        let email = v.require("email", self.email.as_deref().map(Email::parse));
        let password = v.require("password", self.password.as_deref().map(Password::parse));
        let role = v.require("role", self.role.map(Ok));
        let display_name = match self.display_name.as_deref() {
            Some(n) => v
                .check("display_name", DisplayName::parse(n))
                .map(BoundedText::into_inner),
            None => email
                .as_ref()
                .map(|e| e.as_str().split('@').next().unwrap_or("editor").to_owned()),
        };
        v.finish()?;
        let (Some(email), Some(password), Some(role), Some(display_name)) =
            (email, password, role, display_name)
        else {
            unreachable!("a missing or invalid field was recorded above")
        };
        let new = NewAdminUser {
            email: email.to_lowercase(),
            display_name,
            password_hash: String::new(),
            role,
        };
        Ok((new, password))
    }
}

/// Changes a user: name, password, role, or disabled. A new password, disabling and re-enabling
/// each end every token the user holds; a role change applies to their next request.
#[utoipa::path(
    operation_id = "updateAdminUser",
    tag = "Admin users",
    params(("id" = i64, Path, description = "The user's id")),
    request_body = AdminUserPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Item<AdminUser>),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An admin cannot demote or disable themself, nor set their own password here (PUT /api/v1/auth/password asks for the current one)", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[patch("/api/v1/admin/users/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    id: web::Path<i64>,
    input: JsonBody<AdminUserPatch>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let (mut changes, password) = input.parse(v, audit.user, *id)?;
    if let Some(p) = password {
        changes.password_hash = Some(hash_off_thread(p.expose().to_owned()).await?);
    }
    let (mut conn, id) = (state.pool.get().await?, *id);
    let data = db::write(&mut conn, async |tx| apply(tx, &audit, id, &changes).await).await?;
    Ok(json_ok(&req, &Item::new(data)))
}

/// Changes the locked user and records it in the audit log: a new password by its name only.
async fn apply(
    tx: &mut Tx<'_>,
    audit: &Audit<Admin>,
    id: i64,
    changes: &AdminUserChangeset,
) -> ApiResult<AdminUser> {
    let before = admin_user::find_for_update(tx, id).await.or_404(NO_USER)?;
    let row = admin_user::update(tx, id, changes).await?;
    let unseen: &[&str] = match changes.password_hash {
        Some(_) => &["password"],
        None => &[],
    };
    let before = Some(&AdminUser::from(before));
    audit
        .wrote(tx, AuditAction::Update, before, row.into(), unseen)
        .await
}

impl AdminUserPatch {
    /// The changes (without the new hash yet) and the new password, if any. An admin may not
    /// disable or demote themself: that would leave no way back but the command line; nor set
    /// their own password without giving the current one (a stolen token must not be enough).
    fn parse(
        &self,
        mut v: Validator,
        admin: Admin,
        id: i64,
    ) -> ApiResult<(AdminUserChangeset, Option<Password>)> {
        let display_name = self
            .display_name
            .as_deref()
            .and_then(|n| v.check("display_name", DisplayName::parse(n)));
        let password = self
            .password
            .as_deref()
            .and_then(|p| v.check("password", Password::parse(p)));
        v.finish()?;
        if id == admin.0.id && (self.disabled == Some(true) || self.role == Some(Role::Editor)) {
            return Err(ApiError::Conflict(
                "You cannot disable or demote yourself; ask another admin.".into(),
            ));
        }
        if id == admin.0.id && password.is_some() {
            return Err(ApiError::Conflict(
                "Change your own password with PUT /api/v1/auth/password, which asks for the current one.".into(),
            ));
        }
        let changes = AdminUserChangeset {
            display_name: display_name.map(BoundedText::into_inner),
            password_hash: None,
            role: self.role,
            disabled: self.disabled,
        };
        Ok((changes, password))
    }
}
