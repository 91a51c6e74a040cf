//! `/healthz`, `/metrics` (Prometheus text), `/openapi.json`, and the search page's assets.

use std::fmt::Write;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::{AppState, BUCKETS};

/// Liveness and what is being served.
pub async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state
        .read(|live| Ok(Json(json!({ "status": "ok", "stories": live.engine.tables().len(), "tags": live.engine.tables().tags.len() }))))
        .await
}

/// Prometheus metrics: requests and latencies per route and status, index size.
pub async fn metrics(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let (stories, bytes) = state
        .read(|live| Ok((live.engine.tables().len(), live.index.size_on_disk())))
        .await?;
    let mut out = String::new();
    let requests = state
        .metrics
        .requests
        .lock()
        .map_err(|_| ApiError::new(ErrorCode::Unavailable, "metrics unavailable"))?
        .clone();
    let _ = writeln!(
        out,
        "# HELP storyline_requests_total HTTP requests by route and status."
    );
    let _ = writeln!(out, "# TYPE storyline_requests_total counter");
    for ((route, status), stats) in &requests {
        let _ = writeln!(
            out,
            "storyline_requests_total{{route=\"{route}\",status=\"{status}\"}} {}",
            stats.count
        );
    }
    let _ = writeln!(out, "# HELP storyline_request_seconds Request latency.");
    let _ = writeln!(out, "# TYPE storyline_request_seconds histogram");
    for ((route, status), stats) in &requests {
        for (bound, count) in BUCKETS.iter().zip(stats.buckets) {
            let _ = writeln!(
                out,
                "storyline_request_seconds_bucket{{route=\"{route}\",status=\"{status}\",le=\"{bound}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "storyline_request_seconds_bucket{{route=\"{route}\",status=\"{status}\",le=\"+Inf\"}} {}",
            stats.count
        );
        let _ = writeln!(
            out,
            "storyline_request_seconds_sum{{route=\"{route}\",status=\"{status}\"}} {}",
            stats.seconds
        );
        let _ = writeln!(
            out,
            "storyline_request_seconds_count{{route=\"{route}\",status=\"{status}\"}} {}",
            stats.count
        );
    }
    let _ = writeln!(out, "# HELP storyline_index_stories Stories in the index.");
    let _ = writeln!(out, "# TYPE storyline_index_stories gauge");
    let _ = writeln!(out, "storyline_index_stories {stories}");
    let _ = writeln!(
        out,
        "# HELP storyline_index_bytes Size of the index on disk."
    );
    let _ = writeln!(out, "# TYPE storyline_index_bytes gauge");
    let _ = writeln!(out, "storyline_index_bytes {bytes}");
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out))
}

/// The search page.
pub async fn page() -> Html<&'static str> {
    Html(include_str!("../../assets/index.html"))
}

/// The search page's script.
pub async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../assets/app.js"),
    )
}

/// The search page's style sheet.
pub async fn style() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../assets/style.css"),
    )
}

fn param(name: &str, description: &str, kind: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": { "type": kind } })
}

/// The OpenAPI 3.1 description of the API, built from the route table in [`crate::ROUTES`].
pub async fn openapi() -> Json<Value> {
    let error = json!({ "description": "error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let mut paths = serde_json::Map::new();
    for route in crate::ROUTES {
        let mut parameters: Vec<Value> = route
            .params
            .iter()
            .map(|(n, d, k)| param(n, d, k))
            .collect();
        if route.path.contains("{id}") {
            parameters.push(json!({ "name": "id", "in": "path", "required": true, "description": "story id (slashes allowed, or percent-encoded)", "schema": { "type": "string" } }));
        }
        if route.path.contains("{tag}") {
            parameters.push(json!({ "name": "tag", "in": "path", "required": true, "schema": { "type": "string" } }));
        }
        let mut operation = json!({
            "summary": route.summary,
            "parameters": parameters,
            "responses": { "200": { "description": "success" }, "400": error, "404": error, "503": error },
        });
        if route.auth {
            operation["security"] = json!([{ "bearer": [] }]);
            operation["responses"]["401"] = error.clone();
            operation["responses"]["403"] = error.clone();
            operation["responses"]["413"] = error.clone();
            operation["responses"]["422"] = error.clone();
        }
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        entry[route.method] = operation;
    }
    Json(json!({
        "openapi": "3.1.0",
        "info": { "title": "Storyline", "version": env!("CARGO_PKG_VERSION"), "description": "Search and related stories for news archives." },
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": { "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": {
                "code": { "type": "string", "enum": ["invalid_parameter", "malformed_body", "unauthorized", "updates_disabled", "not_found", "method_not_allowed", "payload_too_large", "invalid_body", "timeout", "unavailable", "internal"] },
                "message": { "type": "string" } } } } } }
        }
    }))
}
