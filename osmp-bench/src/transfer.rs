//! File transfer throughput: `download-part` and `upload-part` driven by the typed client's
//! `download` and `upload`, against copying the same file locally. The server runs in this
//! process (with a root folder in the system's temporary folder), over loopback.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use osmp::prelude::*;

/// One measured transfer.
pub struct TransferResult {
    pub what: &'static str,
    pub bytes: u64,
    pub elapsed: Duration,
}

impl TransferResult {
    pub fn mib_per_second(&self) -> f64 {
        self.bytes as f64 / (1024.0 * 1024.0) / self.elapsed.as_secs_f64()
    }
}

/// A scratch folder, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copies, downloads and uploads a file of `size` bytes; the first result is the local copy.
pub async fn run(size: usize) -> Result<Vec<TransferResult>, String> {
    let scratch = Scratch(std::env::temp_dir().join(format!("osmp-bench-transfer-{}", std::process::id())));
    let (root, local) = (scratch.0.join("root"), scratch.0.join("local"));
    for folder in [&root, &local] {
        std::fs::create_dir_all(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    }
    let content: Vec<u8> = (0..size).map(|i| (i * 31 + i / 4096) as u8).collect();
    let source = root.join("source.bin");
    std::fs::write(&source, &content).map_err(|e| e.to_string())?;

    let mut results = Vec::new();
    let started = Instant::now();
    std::fs::copy(&source, local.join("copy.bin")).map_err(|e| e.to_string())?;
    results.push(TransferResult { what: "local copy (std::fs::copy)", bytes: size as u64, elapsed: started.elapsed() });

    let server = Server::builder().no_tls().files(&root).build().await.map_err(|e| e.to_string())?.spawn();
    let client = Client::connect(server.url()).await.map_err(|e| e.to_string())?;
    let standard = client.standard();
    for (what, in_flight) in [("download, 8 parts in flight", 8), ("download, 1 part at a time", 1)] {
        let target = local.join("downloaded.bin");
        let started = Instant::now();
        let summary =
            standard.download("source.bin", &target).parts_in_flight(in_flight).await.map_err(|e| e.to_string())?;
        results.push(TransferResult { what, bytes: summary.bytes, elapsed: started.elapsed() });
        check(&target, &content)?;
    }
    for (what, in_flight) in [("upload, 8 parts in flight", 8), ("upload, 1 part at a time", 1)] {
        let started = Instant::now();
        let summary = standard
            .upload(local.join("copy.bin"), "uploaded.bin")
            .parts_in_flight(in_flight)
            .await
            .map_err(|e| e.to_string())?;
        results.push(TransferResult { what, bytes: summary.bytes, elapsed: started.elapsed() });
        check(&root.join("uploaded.bin"), &content)?;
    }
    client.close().await;
    server.shutdown().await;
    Ok(results)
}

fn check(path: &Path, expected: &[u8]) -> Result<(), String> {
    let actual = std::fs::read(path).map_err(|e| e.to_string())?;
    (actual == expected).then_some(()).ok_or_else(|| format!("{} differs from the source", path.display()))
}
