//! What a request may cost the server: bodies over the limit are refused with 413 before
//! they are read, bodies that hide their length are cut off while they stream in, and
//! refused exchange calls are kept short (forgetting them: `housekeeping.rs`).

use crate::common::{self, client, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MIB: usize = 1024 * 1024;

/// Sends a POST to `path` announcing `declared` bytes (or chunked when `None`) and writing up
/// to `send` bytes of junk, stopping when the server answers or hangs up; returns the status
/// line's code (0 when the server closed without an answer).
async fn post_junk(base: &str, path: &str, declared: Option<usize>, send: usize) -> u16 {
    let addr = base.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let length = match declared {
        Some(n) => format!("content-length: {n}\r\n"),
        None => "transfer-encoding: chunked\r\n".to_owned(),
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/x-www-form-urlencoded\r\n\
         accept: text/html\r\n{length}\r\n"
    );
    conn.write_all(head.as_bytes()).await.expect("head");
    let (mut read, mut write) = conn.into_split();
    let writer = tokio::spawn(async move {
        let chunk = vec![b'a'; 64 * 1024];
        let mut sent = 0;
        while sent < send {
            let piece = if declared.is_some() {
                chunk.clone()
            } else {
                let mut c = format!("{:x}\r\n", chunk.len()).into_bytes();
                c.extend_from_slice(&chunk);
                c.extend_from_slice(b"\r\n");
                c
            };
            if write.write_all(&piece).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
        // Keep the write half open: closing it could end the request early.
        write
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(30), read.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                answer.extend_from_slice(&buf[..n]);
                if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            Err(_) => panic!("no answer within 30 s"),
        }
    }
    writer.abort();
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// The resident memory of this process (which runs the server), in bytes.
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("statm");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages");
    pages * 4096
}

#[tokio::test]
async fn a_64_mib_body_is_refused_with_413_unread() {
    let app = start().await;
    for path in ["/api/sign_in", "/lang/en", "/api/paynl/exchange"] {
        let code = post_junk(&app.base, path, Some(64 * MIB), 64 * MIB).await;
        assert_eq!(code, 413, "{path}");
    }
    // A body that hides its length is cut off at the limit while it streams in.
    let code = post_junk(&app.base, "/api/sign_in", None, 8 * MIB).await;
    assert_eq!(code, 413, "a streamed body over the limit");
    let code = post_junk(&app.base, "/api/paynl/exchange", None, MIB).await;
    assert_eq!(code, 413, "exchange endpoint, streamed");
    // Forms of normal size still work.
    common::dossier_with_secret(&app.store, "ISB-2026-000123", "ABCD-EFGH-JKMN").await;
    let resp = common::sign_in_form(&app, "ISB-2026-000123", "ABCD-EFGH-JKMN").await;
    assert!(common::session_cookie(&resp).is_some());
}

/// Fifty clients each pushing 8 MiB at once (half announcing 64 MiB, half streaming without
/// a length): the server reads at most its limit of each, so its memory does not grow with
/// what is sent (400 MiB in all).
#[tokio::test]
async fn fifty_oversized_bodies_at_once_leave_memory_flat() {
    let app = start().await;
    // Warm up: the first requests allocate the server's pools and caches.
    post_junk(&app.base, "/api/sign_in", Some(64 * MIB), MIB).await;
    post_junk(&app.base, "/api/sign_in", None, MIB).await;
    let before = resident_bytes();
    // The peak counts, not the end: freed buffers go back to the system.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = tokio::spawn({
        let done = done.clone();
        async move {
            let mut peak = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(resident_bytes());
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            peak
        }
    });
    let sends = (0..50).map(|i| {
        let base = app.base.clone();
        async move {
            let declared = (i % 2 == 0).then_some(64 * MIB);
            post_junk(&base, "/api/sign_in", declared, 8 * MIB).await
        }
    });
    let codes = futures::future::join_all(sends).await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.await.expect("sampler");
    assert!(
        codes.iter().all(|c| *c == 413),
        "every one refused: {codes:?}"
    );
    let grown = peak.saturating_sub(before);
    assert!(
        grown < 64 * MIB,
        "memory peaked {} MiB above the start for 400 MiB sent",
        grown / MIB
    );
}

/// A refused exchange call is logged with at most 1 KiB of its body.
#[tokio::test]
async fn a_refused_exchange_call_is_kept_short() {
    let app = start().await;
    let junk = format!(
        r#"{{"object":{{"id":"x","pad":"{}"}}}}"#,
        "z".repeat(12 * 1024)
    );
    let resp = client()
        .post(format!("{}/api/paynl/exchange", app.base))
        .header("signature", "00")
        .header("signature-keyid", "SL-0000-0000")
        .header("signature-method", "HMAC")
        .header("content-type", "application/json")
        .body(junk.clone())
        .send()
        .await
        .expect("exchange");
    assert!(!resp.text().await.expect("body").starts_with("TRUE"));
    let calls = app.store.recent_exchange_calls(5).await.expect("calls");
    let kept = &calls.first().expect("the call is logged").raw_body;
    assert!(kept.len() < 1100, "kept {} bytes", kept.len());
    assert!(kept.ends_with(&format!("({} bytes)", junk.len())), "{kept}");
}
