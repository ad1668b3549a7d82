//! Admin bearer tokens: HS256 JWTs with pinned validation, who a request acts as ([`AuthUser`]
//! for editors and admins, [`Admin`] for admins only; their extractors are in
//! `api::extract`), and password hashing.
//!
//! The token's user is looked up on every request (one indexed read), so disabling or demoting
//! a user takes effect at once, whatever tokens they still hold.

use std::{
    sync::OnceLock,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use actix_web::{http::header, HttpRequest};
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::{domain::Role, errors::ApiError};

const ISSUER: &str = "perfusion-api";
const AUDIENCE: &str = "perfusion-api/admin";

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The admin user's id.
    pub sub: String,
    pub role: Role,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub iss: String,
    pub aud: String,
    /// A unique id for this token.
    pub jti: String,
}

/// Signing and verification keys, built once at start-up.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    /// A signed token for this user, issued no earlier than the user's `tokens_valid_after` (a
    /// token made in the same second as a revocation must not be refused with the old ones).
    pub fn issue(&self, user_id: i64, role: Role, valid_after: DateTime<Utc>) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs()
            .max(u64::try_from(valid_after.timestamp()).unwrap_or(0));
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            iat: now,
            nbf: now,
            exp: now + self.ttl.as_secs(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 encoding of plain claims cannot fail")
    }

    /// The claims of a valid token; any defect is the same 401.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| {
                ApiError::Unauthorized("The bearer token is invalid or has expired.".into())
            })
    }
}

/// Whether a token with these claims was issued before its user's tokens were revoked.
pub fn is_revoked(claims: &Claims, tokens_valid_after: DateTime<Utc>) -> bool {
    i64::try_from(claims.iat).map_or(true, |iat| iat < tokens_valid_after.timestamp())
}

/// An authenticated editor or admin.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    pub id: i64,
    pub role: Role,
}

/// An authenticated admin; editors get 403.
#[derive(Debug, Clone, Copy)]
pub struct Admin(pub AuthUser);

/// The token of a request, if it sent one.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Argon2id's cost, in one place: OWASP's minimum (Password Storage Cheat Sheet: 19 MiB of
/// memory, 2 iterations, 1 degree of parallelism). Hashes made with less are upgraded at the
/// user's next successful login.
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
pub const ARGON2_ITERATIONS: u32 = 2;
pub const ARGON2_LANES: u32 = 1;

fn hasher() -> Argon2<'static> {
    let params = argon2::Params::new(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_LANES, None)
        .expect("the argon2 parameters above are valid");
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// An argon2id hash (PHC string) of `password`. CPU-heavy: call it off the async workers.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with valid parameters hashes any password")
        .to_string()
}

/// Whether `hash` was made with a weaker algorithm or parameters than [`hash_password`] uses
/// now (or cannot be read), so that it should be made again from the password.
pub fn needs_rehash(hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return true;
    };
    let Ok(params) = argon2::Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm != argon2::Algorithm::Argon2id.ident()
        || parsed
            .version
            .is_none_or(|v| v < argon2::Version::V0x13 as u32)
        || params.m_cost() < ARGON2_MEMORY_KIB
        || params.t_cost() < ARGON2_ITERATIONS
        || params.p_cost() < ARGON2_LANES
}

/// Checks `password` against `hash`, or against a dummy hash when there is no user, so that an
/// unknown email costs the same time as a wrong password. CPU-heavy: call it off the async workers.
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("dummy password for timing"));
    let (hash, real) = match hash {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    // The hash carries its own parameters; verifying with them costs what hashing did.
    let ok = PasswordHash::new(hash)
        .map(|parsed| {
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && real
}

#[cfg(test)]
mod password_tests {
    use super::*;

    fn hash_with(algorithm: argon2::Algorithm, m: u32, t: u32, p: u32) -> String {
        let params = argon2::Params::new(m, t, p, None).unwrap();
        Argon2::new(algorithm, argon2::Version::V0x13, params)
            .hash_password(b"a long enough password", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_stored_hash_carries_owasps_minimum_parameters() {
        let hash = hash_password("a long enough password");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(!needs_rehash(&hash));
        assert!(verify_password("a long enough password", Some(&hash)));
        assert!(!verify_password("another password", Some(&hash)));
    }

    #[test]
    fn weaker_hashes_are_to_be_made_again() {
        use argon2::Algorithm::{Argon2i, Argon2id};
        assert!(
            needs_rehash(&hash_with(Argon2id, 4096, 3, 1)),
            "less memory"
        );
        assert!(
            needs_rehash(&hash_with(Argon2id, 19 * 1024, 1, 1)),
            "one pass"
        );
        assert!(
            needs_rehash(&hash_with(Argon2i, 19 * 1024, 2, 1)),
            "argon2i"
        );
        assert!(needs_rehash("not a hash"));
        assert!(
            !needs_rehash(&hash_with(Argon2id, 64 * 1024, 3, 2)),
            "stronger"
        );
        // A weaker hash still verifies (its parameters travel with it).
        let weak = hash_with(Argon2id, 4096, 1, 1);
        assert!(verify_password("a long enough password", Some(&weak)));
    }
}
