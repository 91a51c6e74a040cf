//! `/stories/{id}` (get, replace, delete), `/stories/{id}/related`, and `POST /stories`.
//!
//! Story ids hold slashes (`news/2017/12/11/slug`), so the id is the rest of the path: clients
//! may send it as is or percent-encoded; `/related` at the end asks for its related stories.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use storyline_story::Story;

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::params::Params;
use crate::routes::related;
use crate::state::AppState;

fn split_id(rest: &str) -> (String, bool) {
    // axum has already percent-decoded the path
    let rest = rest.trim_start_matches('/').to_string();
    match rest.strip_suffix("/related") {
        Some(id) => (id.to_string(), true),
        None => (rest, false),
    }
}

/// `GET /stories/{id}` or `GET /stories/{id}/related`.
pub async fn get_story(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let (id, wants_related) = split_id(&rest);
    if wants_related {
        return related::for_story(state, id, Params::parse(raw.as_deref())).await;
    }
    let story = state
        .read(move |live| match live.index.story(&id)? {
            Some(story) => Ok(story),
            None => Err(ApiError::not_found(live.engine.tables().unknown_id(&id))),
        })
        .await?;
    Ok(Json(
        serde_json::to_value(story).map_err(ApiError::internal)?,
    ))
}

/// Checks the bearer token of an update.
pub fn authorize(state: &AppState, headers: &HeaderMap) -> ApiResult<()> {
    let Some(token) = &state.token else {
        return Err(ApiError::new(
            ErrorCode::UpdatesDisabled,
            "updates are disabled: no API token is configured",
        ));
    };
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    // compare in constant time with respect to the token's content
    let matches = given.is_some_and(|g| {
        g.len() == token.len()
            && g.bytes()
                .zip(token.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    });
    if matches {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Unauthorized,
            "missing or wrong API token (Authorization: Bearer <token>)",
        ))
    }
}

/// A JSON body, with extractor rejections turned into the API's errors.
pub fn body<T: serde::de::DeserializeOwned>(
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<T> {
    let Json(value) = body.map_err(|rejection| match rejection {
        JsonRejection::JsonSyntaxError(e) => ApiError::new(
            ErrorCode::MalformedBody,
            format!("body is not valid JSON: {}", e.body_text()),
        ),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            ErrorCode::MalformedBody,
            "expected a JSON body with Content-Type: application/json",
        ),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(ErrorCode::PayloadTooLarge, "request body too large")
        }
        other => ApiError::new(ErrorCode::MalformedBody, other.body_text()),
    })?;
    serde_json::from_value(value)
        .map_err(|e| ApiError::new(ErrorCode::InvalidBody, format!("invalid body: {e}")))
}

fn validate(story: &Story) -> ApiResult<()> {
    if story.id.trim().is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidBody, "story id is empty"));
    }
    if story.title.trim().is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            format!("story {:?} has an empty title", story.id),
        ));
    }
    Ok(())
}

async fn upsert(state: &AppState, stories: Vec<Story>, deletes: Vec<String>) -> ApiResult<Value> {
    let report = state
        .write(move |live| {
            // checked under the same lock as the update, so the answer cannot go stale
            if let Some(id) = deletes
                .iter()
                .find(|id| live.engine.tables().ord(id).is_none())
            {
                return Err(ApiError::not_found(format!("no story with id {id:?}")));
            }
            let report = live.index.update(&stories, &deletes)?;
            live.index.warm_up()?;
            live.engine =
                storyline_related::Engine::new(std::sync::Arc::clone(live.index.tables()));
            Ok(report)
        })
        .await?;
    serde_json::to_value(report).map_err(ApiError::internal)
}

/// `PUT /stories/{id}`: add or replace one story (the body is a story; its id may be left out).
pub async fn put_story(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    headers: HeaderMap,
    payload: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    authorize(&state, &headers)?;
    let (id, related) = split_id(&rest);
    if related {
        return Err(ApiError::new(
            ErrorCode::MethodNotAllowed,
            "related lists are computed, not written",
        ));
    }
    let mut value: Value = body(payload)?;
    if let Some(object) = value.as_object_mut() {
        match object.get("id").and_then(Value::as_str) {
            Some(given) if given != id => {
                return Err(ApiError::new(
                    ErrorCode::InvalidBody,
                    format!("body id {given:?} differs from the path's {id:?}"),
                ));
            }
            _ => {
                object.insert("id".into(), json!(id));
            }
        }
        if !object.contains_key("language") {
            let title = object
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let language = storyline_story::Language::detect(title).code();
            object.insert("language".into(), json!(language));
        }
    }
    let story: Story = serde_json::from_value(value)
        .map_err(|e| ApiError::new(ErrorCode::InvalidBody, format!("invalid story: {e}")))?;
    validate(&story)?;
    Ok(Json(upsert(&state, vec![story], Vec::new()).await?))
}

/// `POST /stories`: add or replace a batch of stories (a JSON array).
pub async fn post_stories(
    State(state): State<AppState>,
    headers: HeaderMap,
    payload: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    authorize(&state, &headers)?;
    let stories: Vec<Story> = body(payload)?;
    if stories.is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            "expected a non-empty array of stories",
        ));
    }
    stories.iter().try_for_each(validate)?;
    Ok(Json(upsert(&state, stories, Vec::new()).await?))
}

/// `DELETE /stories/{id}`.
pub async fn delete_story(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    authorize(&state, &headers)?;
    let (id, _) = split_id(&rest);
    Ok(Json(upsert(&state, Vec::new(), vec![id]).await?))
}
