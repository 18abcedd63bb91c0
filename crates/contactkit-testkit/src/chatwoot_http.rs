//! The fake Chatwoot over real HTTP on 127.0.0.1 (an ephemeral port): the contact routes of
//! `shared/chatwoot/` with their status codes and JSON shapes, on top of [`FakeChatwoot`]'s
//! rules, plus faults a test can queue: 429 with or without `Retry-After`, 500s, malformed
//! JSON, slow answers and dropped connections.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use contactkit::{Remote, RemoteDraft, RemoteError};
use serde_json::{Value, json};
use tiny_http::{Header, Method, Response, Server};

use crate::chatwoot::FakeChatwoot;

/// A fault the server answers the next request with (then it answers normally again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpFault {
    /// 429 `Retry later`, with an optional `Retry-After` (seconds).
    TooManyRequests(Option<u64>),
    /// 500.
    ServerError,
    /// 200 with a body that is not JSON.
    Malformed,
    /// The connection is closed without an answer.
    Drop,
    /// The answer comes after this long.
    Slow(Duration),
}

/// Shared state of a running fake server.
#[derive(Debug, Default)]
pub struct ServerState {
    /// The account's contacts and rules.
    pub chatwoot: FakeChatwoot,
    /// Faults for the next requests, in order.
    pub faults: VecDeque<HttpFault>,
    /// Every request's method and path, in order.
    pub requests: Vec<String>,
    /// The `api_access_token` values received, for checking the token travels only there.
    pub tokens_seen: Vec<String>,
}

/// A running fake Chatwoot; stops when dropped.
pub struct FakeChatwootServer {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The account id it serves.
    pub account_id: u64,
    /// The token it accepts.
    pub token: String,
    /// Its state.
    pub state: Arc<Mutex<ServerState>>,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for FakeChatwootServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn contact_json(id: i64, c: &crate::chatwoot::Stored) -> Value {
    // Keys in the order Chatwoot's jbuilder renders them; last_activity_at omitted when null.
    json!({
        "additional_attributes": {},
        "availability_status": "offline",
        "email": c.email,
        "id": id,
        "name": c.name,
        "phone_number": c.phone_number,
        "blocked": false,
        "identifier": c.identifier,
        "thumbnail": "",
        "custom_attributes": c.custom_attributes,
        "created_at": 1_764_590_000 + id,
    })
}

fn error_response(err: RemoteError) -> (u16, Value) {
    match err {
        RemoteError::NotFound => (404, json!({ "error": "Resource could not be found" })),
        RemoteError::Unprocessable { message, attributes } => {
            (422, json!({ "message": message, "attributes": attributes }))
        }
        RemoteError::Unauthorized { .. } => (
            401,
            json!({ "error": "You are not authorized to do this action" }),
        ),
        other => (500, json!({ "error": other.to_string() })),
    }
}

fn draft_of(body: &Value) -> RemoteDraft {
    let text = |k: &str| body.get(k).map(|v| v.as_str().map(str::to_owned));
    RemoteDraft {
        name: body.get("name").and_then(|v| v.as_str()).map(str::to_owned),
        email: text("email"),
        phone_number: text("phone_number"),
        identifier: body.get("identifier").and_then(|v| v.as_str()).map(str::to_owned),
        custom_attributes: body
            .get("custom_attributes")
            .and_then(|v| v.as_object())
            .map(|m| m.clone().into_iter().collect())
            .unwrap_or_default(),
    }
}

fn route(state: &mut ServerState, method: &Method, path: &str, query: &str, body: &Value) -> (u16, Value) {
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .map(|v| {
                let mut out = Vec::new();
                let bytes = v.as_bytes();
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i] == b'%'
                        && i + 2 < bytes.len()
                        && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                            .ok()
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                    {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
                    i += 1;
                }
                String::from_utf8_lossy(&out).into_owned()
            })
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let cw = &mut state.chatwoot;
    let result: Result<Value, RemoteError> = match (method, segments.as_slice()) {
        (Method::Get, ["contacts"]) => {
            let page = param("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1);
            cw.list(page).map(|p| {
                let ids: Vec<i64> = p.contacts.iter().map(|c| c.id).collect();
                let payload: Vec<Value> = ids.iter().map(|id| contact_json(*id, &cw.contacts()[id])).collect();
                json!({ "meta": { "count": p.total, "current_page": page }, "payload": payload })
            })
        }
        (Method::Get, ["labels"]) => {
            let payload: Vec<Value> =
                cw.account_labels().iter().map(|t| json!({ "title": t, "show_on_sidebar": false })).collect();
            Ok(json!({ "payload": payload }))
        }
        (Method::Post, ["labels"]) => {
            let title = body.get("title").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            cw.create_account_label(&title).map(|()| json!({ "title": title.to_lowercase(), "show_on_sidebar": false }))
        }
        (Method::Post, ["contacts", "filter"]) => {
            let page = param("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
            let conditions = body.get("payload").and_then(|v| v.as_array()).cloned().unwrap_or_default();
            cw.filter(&conditions).map(|ids| {
                let rows: Vec<Value> =
                    ids.iter().skip((page - 1) * 15).take(15).map(|id| contact_json(*id, &cw.contacts()[id])).collect();
                json!({ "meta": { "count": ids.len(), "current_page": page }, "payload": rows })
            })
        }
        (Method::Post, ["actions", "contact_merge"]) => {
            let base = body.get("base_contact_id").and_then(|v| v.as_i64()).unwrap_or(0);
            let mergee = body.get("mergee_contact_id").and_then(|v| v.as_i64()).unwrap_or(0);
            cw.merge(base, mergee).map(|id| contact_json(id, &cw.contacts()[&id]))
        }
        (Method::Get, ["contacts", "search"]) => match param("q").filter(|q| !q.trim().is_empty()) {
            None => return (422, json!({ "error": "Specify search string with parameter q" })),
            Some(q) => cw.search(&q).map(|hits| {
                let payload: Vec<Value> = hits.iter().map(|c| contact_json(c.id, &cw.contacts()[&c.id])).collect();
                json!({ "meta": { "count": payload.len(), "current_page": 1, "has_more": false }, "payload": payload })
            }),
        },
        (Method::Get, ["contacts", id]) => id
            .parse::<i64>()
            .map_err(|_| RemoteError::NotFound)
            .and_then(|id| cw.show(id))
            .map(|c| json!({ "payload": contact_json(c.id, &cw.contacts()[&c.id]) })),
        (Method::Post, ["contacts"]) => cw.create(&draft_of(body)).map(|c| {
            json!({ "payload": { "contact": contact_json(c.id, &cw.contacts()[&c.id]), "contact_inbox": { "inbox": null, "source_id": null } } })
        }),
        (Method::Patch | Method::Put, ["contacts", id]) => id
            .parse::<i64>()
            .map_err(|_| RemoteError::NotFound)
            .and_then(|id| cw.update(id, &draft_of(body)))
            .map(|c| json!({ "payload": contact_json(c.id, &cw.contacts()[&c.id]) })),
        (Method::Delete, ["contacts", id]) => {
            return match id.parse::<i64>().map_err(|_| RemoteError::NotFound).and_then(|id| cw.delete(id)) {
                Ok(()) => (200, Value::Null),
                Err(err) => error_response(err),
            };
        }
        (Method::Get, ["contacts", id, "labels"]) => {
            id.parse::<i64>().map_err(|_| RemoteError::NotFound).and_then(|id| cw.labels(id)).map(|l| json!({ "payload": l }))
        }
        (Method::Post, ["contacts", id, "labels"]) => {
            let labels: Vec<String> = body
                .get("labels")
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            id.parse::<i64>()
                .map_err(|_| RemoteError::NotFound)
                .and_then(|id| cw.set_labels(id, &labels))
                .map(|l| json!({ "payload": l }))
        }
        (Method::Post, ["contacts", id, "destroy_custom_attributes"]) => {
            let keys: Vec<String> = body
                .get("custom_attributes")
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            id.parse::<i64>()
                .map_err(|_| RemoteError::NotFound)
                .and_then(|id| cw.remove_custom_attributes(id, &keys))
                .map(|c| json!({ "payload": contact_json(c.id, &cw.contacts()[&c.id]) }))
        }
        _ => Err(RemoteError::NotFound),
    };
    match result {
        Ok(value) => (200, value),
        Err(err) => error_response(err),
    }
}

impl FakeChatwootServer {
    /// Starts a server for account `account_id` that accepts `token`.
    ///
    /// # Errors
    /// When no port on 127.0.0.1 can be bound.
    pub fn start(account_id: u64, token: &str) -> std::io::Result<FakeChatwootServer> {
        let server = Arc::new(Server::http("127.0.0.1:0").map_err(|e| std::io::Error::other(e.to_string()))?);
        let port = server.server_addr().to_ip().map(|a| a.port()).unwrap_or(0);
        let state = Arc::new(Mutex::new(ServerState {
            chatwoot: FakeChatwoot::new(),
            ..ServerState::default()
        }));
        let prefix = format!("/api/v1/accounts/{account_id}");
        let thread = {
            let (server, state, token) = (Arc::clone(&server), Arc::clone(&state), token.to_owned());
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    let mut body = String::new();
                    let _ = request.as_reader().read_to_string(&mut body);
                    let url = request.url().to_owned();
                    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
                    let sent_token = request
                        .headers()
                        .iter()
                        .find(|h| h.field.equiv("api_access_token"))
                        .map(|h| h.value.as_str().to_owned());
                    let mut guard = state.lock().unwrap_or_else(PoisonError::into_inner);
                    guard.requests.push(format!("{} {path}", request.method()));
                    if let Some(t) = &sent_token {
                        guard.tokens_seen.push(t.clone());
                    }
                    let fault = guard.faults.pop_front();
                    let (status, value): (u16, Option<Value>) = match fault {
                        Some(HttpFault::Drop) => {
                            drop(guard);
                            drop(request); // closes the connection without an answer
                            continue;
                        }
                        Some(HttpFault::TooManyRequests(retry)) => {
                            drop(guard);
                            let mut response = Response::from_string("Retry later\n").with_status_code(429);
                            if let Some(secs) = retry
                                && let Ok(h) = Header::from_bytes("Retry-After", secs.to_string())
                            {
                                response.add_header(h);
                            }
                            let _ = request.respond(response);
                            continue;
                        }
                        Some(HttpFault::ServerError) => {
                            (500, Some(json!({ "error": "Internal Server Error" })))
                        }
                        Some(HttpFault::Malformed) => {
                            drop(guard);
                            let _ = request
                                .respond(Response::from_string("{\"payload\": [").with_status_code(200));
                            continue;
                        }
                        Some(HttpFault::Slow(d)) => {
                            std::thread::sleep(d);
                            handle(
                                &mut guard,
                                &prefix,
                                &token,
                                sent_token.as_deref(),
                                request.method(),
                                path,
                                query,
                                &body,
                            )
                        }
                        None => handle(
                            &mut guard,
                            &prefix,
                            &token,
                            sent_token.as_deref(),
                            request.method(),
                            path,
                            query,
                            &body,
                        ),
                    };
                    drop(guard);
                    let text = value.map(|v| v.to_string()).unwrap_or_default();
                    let mut response = Response::from_string(text).with_status_code(status);
                    if let Ok(h) = Header::from_bytes("Content-Type", "application/json; charset=utf-8") {
                        response.add_header(h);
                    }
                    let _ = request.respond(response);
                }
            })
        };
        Ok(FakeChatwootServer {
            base_url: format!("http://127.0.0.1:{port}"),
            account_id,
            token: token.to_owned(),
            state,
            server,
            thread: Some(thread),
        })
    }

    /// Runs `f` on the server's state.
    pub fn with<T>(&self, f: impl FnOnce(&mut ServerState) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[allow(clippy::too_many_arguments)] // one request's parts, as the server loop has them
fn handle(
    state: &mut ServerState,
    prefix: &str,
    token: &str,
    sent: Option<&str>,
    method: &Method,
    path: &str,
    query: &str,
    body: &str,
) -> (u16, Option<Value>) {
    match sent {
        None => {
            return (
                401,
                Some(json!({ "errors": ["You need to sign in or sign up before continuing."] })),
            );
        }
        Some(t) if t != token => return (401, Some(json!({ "error": "Invalid Access Token" }))),
        _ => {}
    }
    let Some(rest) = path.strip_prefix(prefix) else {
        return (404, Some(json!({ "error": "Resource could not be found" })));
    };
    let body: Value = if body.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or(Value::Null)
    };
    let (status, value) = route(state, method, rest, query, &body);
    (
        status,
        if value.is_null() && status == 200 {
            None
        } else {
            Some(value)
        },
    )
}
