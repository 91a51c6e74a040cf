//! One error type for every route, with one JSON shape:
//! `{"error": {"code": "invalid_parameter", "message": "…"}}`. Codes are stable snake_case;
//! internal causes are logged, never sent to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Every error code the API answers with, and its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A query parameter is missing, malformed or out of range (400).
    InvalidParameter,
    /// The request body is not valid JSON (400).
    MalformedBody,
    /// The API token is missing or wrong (401).
    Unauthorized,
    /// Updates are disabled: no API token is configured (403).
    UpdatesDisabled,
    /// No such story, tag or route (404).
    NotFound,
    /// The HTTP method is not allowed on this route (405).
    MethodNotAllowed,
    /// The request body is too large (413).
    PayloadTooLarge,
    /// The body is JSON but not a valid story or draft (422).
    InvalidBody,
    /// The request took longer than the per-request limit (503).
    Timeout,
    /// The service cannot answer now (503).
    Unavailable,
    /// Something went wrong inside (500); details are in the server log.
    Internal,
}

impl ErrorCode {
    /// The HTTP status of the code.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidParameter | ErrorCode::MalformedBody => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::UpdatesDisabled => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::InvalidBody => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Timeout | ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error answered to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The code.
    pub code: ErrorCode,
    /// A message for people.
    pub message: String,
}

impl ApiError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// A bad query parameter.
    pub fn parameter(name: &str, message: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("parameter {name:?}: {message}"),
        )
    }

    /// Something not found.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::NotFound, message)
    }

    /// An internal failure: logged in full, answered without details.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError::new(ErrorCode::Internal, "internal error (see the server log)")
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: ErrorCode,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
            },
        };
        (self.code.status(), Json(body)).into_response()
    }
}

impl From<storyline_index::IndexError> for ApiError {
    fn from(error: storyline_index::IndexError) -> ApiError {
        ApiError::internal(error)
    }
}

/// The result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
