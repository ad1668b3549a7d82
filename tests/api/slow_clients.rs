//! Clients that are slow on purpose: a request head sent a byte at a time, a body trickled, a
//! connection left idle. Each is cut off by its documented timeout, and ordinary requests keep
//! their speed while hundreds of such connections are open.

use std::time::{Duration, Instant};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::TestApp;

/// An app whose header, body and keep-alive timeouts are one second each.
async fn impatient_app() -> TestApp {
    TestApp::spawn_with(|s| {
        s.timeouts.header = Duration::from_secs(1);
        s.timeouts.body = Duration::from_secs(1);
        s.timeouts.keep_alive = Duration::from_secs(1);
    })
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Everything the server sends until it closes the connection (at most `limit` to wait).
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> String {
    let mut got = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server kept the connection open past {limit:?}"
    );
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn a_body_trickled_a_byte_at_a_time_is_refused_with_408_and_the_connection_closed() {
    let app = impatient_app().await;
    let mut stream = connect(&app).await;
    stream
        .write_all(
            b"POST /api/v1/subscriptions HTTP/1.1\r\nHost: test\r\n\
              Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{",
        )
        .await
        .unwrap();
    let start = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        while writer.write_all(b" ").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut answer))
        .await
        .expect("the connection was closed")
        .ok();
    trickle.abort();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "cut off after about a second, not {:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn a_request_head_sent_a_byte_at_a_time_is_cut_off() {
    let app = impatient_app().await;
    let mut stream = connect(&app).await;
    let start = Instant::now();
    let head =
        b"GET /api/v1/categories HTTP/1.1\r\nHost: test\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    for byte in head.iter().take(12) {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let answer = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = impatient_app().await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // Kept alive for the next request, then closed once idle for the keep-alive timeout.
    let idle = Instant::now();
    read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(
        idle.elapsed() >= Duration::from_millis(500),
        "{:?}",
        idle.elapsed()
    );
}

/// The 99th percentile of `n` GETs of `path`, one after another.
async fn p99(app: &TestApp, path: &str, n: usize) -> Duration {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        let res = app.get(path).send().await;
        assert_eq!(res.status(), 200);
        res.bytes().await.unwrap();
        times.push(start.elapsed());
    }
    times.sort();
    times[n * 99 / 100]
}

#[tokio::test]
async fn ordinary_requests_keep_their_latency_while_200_slow_clients_hold_connections() {
    let app = TestApp::spawn().await; // the default timeouts
    let path = "/api/v1/categories";
    let before = p99(&app, path, 200).await;

    // 200 connections each sending its head a byte every 500 ms.
    let mut slow = Vec::new();
    for _ in 0..200 {
        let mut stream = connect(&app).await;
        slow.push(tokio::spawn(async move {
            for byte in b"GET /api/v1/categories HTTP/1.1\r\nHost: slow\r\n" {
                if stream.write_all(&[*byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let during = p99(&app, path, 200).await;
    for task in &slow {
        assert!(!task.is_finished(), "the slow clients were still connected");
    }
    for task in slow {
        task.abort();
    }
    eprintln!("p99 of {path}: {before:?} alone, {during:?} beside 200 slow clients");
    assert!(
        during <= before * 3 + Duration::from_millis(50),
        "p99 {during:?} beside slow clients, {before:?} alone"
    );
}
