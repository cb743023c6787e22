//! A fixture IBM Cloud IAM token service on 127.0.0.1: checks the request format of DESIGN.md section 5,
//! issues numbered tokens (`token-1`, `token-2`, ...) with a chosen lifetime, and can refuse or hang.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::fault_server::{FaultServer, RecordedRequest, Reply};

/// How the fixture IAM service behaves.
#[derive(Clone, Debug)]
pub enum IamBehavior {
    /// Issues tokens valid for `expires_in` seconds, after `delay` (to widen races).
    Issue { expires_in: u64, delay: Duration },
    /// Answers 400 with IAM's error JSON.
    RejectApiKey,
    /// Never answers.
    Hang,
}

/// A running IAM fixture.
#[derive(Clone)]
pub struct IamServer {
    server: FaultServer,
    issued: Arc<AtomicUsize>,
}

/// The API key the fixture accepts.
pub const GOOD_API_KEY: &str = "good-api-key/with+special=chars";

impl IamServer {
    /// Starts the fixture.
    pub async fn start(behavior: IamBehavior) -> IamServer {
        let issued = Arc::new(AtomicUsize::new(0));
        let counter = issued.clone();
        let server = FaultServer::start(move |request, _| respond(request, &behavior, &counter)).await;
        IamServer { server, issued }
    }

    /// The token endpoint URL.
    pub fn token_url(&self) -> String {
        format!("{}/identity/token", self.server.url())
    }

    /// Every request received.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.server.requests()
    }

    /// How many tokens were issued.
    pub fn issued(&self) -> usize {
        self.issued.load(Ordering::SeqCst)
    }
}

/// Parses `a=b&c=d` with percent-decoding (`+` is a space).
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                    match u8::from_str_radix(hex, 16) {
                        Ok(b) => {
                            out.push(b);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    std::str::from_utf8(body)
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn respond(request: &RecordedRequest, behavior: &IamBehavior, issued: &AtomicUsize) -> Reply {
    let bad = |message: &str| {
        Reply::json(
            400,
            serde_json::json!({
                "errorCode": "BXNIM0109E",
                "errorMessage": message,
                "context": {"requestId": "fixture-bad-request"}
            }),
        )
    };
    if request.method != http::Method::POST || request.uri.path() != "/identity/token" {
        return Reply::status(404, "not the token path");
    }
    if request.header("authorization") != Some("Basic Yng6Yng=")
        || request.header("accept") != Some("application/json")
        || request.header("content-type") != Some("application/x-www-form-urlencoded")
    {
        return bad("missing or wrong Authorization, Accept or Content-Type header");
    }
    let form = parse_form(&request.body);
    let get = |key: &str| form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    if get("response_type") != Some("cloud_iam") {
        return bad("response_type must be cloud_iam");
    }
    match get("grant_type") {
        Some("urn:ibm:params:oauth:grant-type:apikey") => {}
        Some("refresh_token") => {
            if !get("refresh_token").is_some_and(|t| t.starts_with("refresh-")) {
                return bad("unknown refresh token");
            }
        }
        _ => return bad("unsupported grant_type"),
    }
    match behavior {
        IamBehavior::Hang => Reply::Delay(Duration::from_secs(3600), Box::new(Reply::status(500, ""))),
        IamBehavior::RejectApiKey => Reply::json(
            400,
            serde_json::json!({
                "errorCode": "BXNIM0415E",
                "errorMessage": "Provided API key could not be found.",
                "context": {"requestId": "req-iam-0415"}
            }),
        ),
        IamBehavior::Issue { expires_in, delay } => {
            if get("grant_type") == Some("urn:ibm:params:oauth:grant-type:apikey") && get("apikey") != Some(GOOD_API_KEY) {
                return bad("wrong api key");
            }
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
            let reply = Reply::json(
                200,
                serde_json::json!({
                    "access_token": format!("token-{n}"),
                    "refresh_token": format!("refresh-{n}"),
                    "token_type": "Bearer",
                    "expires_in": expires_in,
                    "expiration": now + expires_in,
                    "scope": "ibm openid"
                }),
            );
            if delay.is_zero() {
                reply
            } else {
                Reply::Delay(*delay, Box::new(reply))
            }
        }
    }
}
