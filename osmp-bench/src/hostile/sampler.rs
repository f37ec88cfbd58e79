//! The server's resident size and threads, sampled from `/proc` every 20 ms on a thread of
//! its own (so that a busy load generator does not thin out the samples).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::sys::{self, ProcessStatus};

/// How often the server's status is read.
const INTERVAL: Duration = Duration::from_millis(20);

/// One reading.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub at: Instant,
    pub status: ProcessStatus,
}

/// Samples a process until stopped.
pub struct Sampler {
    samples: Arc<Mutex<Vec<Sample>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Sampler {
    pub fn start(pid: u32) -> Sampler {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (samples, stop) = (samples.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let sample = Sample { at: Instant::now(), status: sys::status(pid) };
                    samples.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(sample);
                    std::thread::sleep(INTERVAL);
                }
            })
        };
        let sampler = Sampler { samples, stop, thread: Some(thread) };
        while sampler.samples().is_empty() {
            std::thread::sleep(Duration::from_millis(1));
        }
        sampler
    }

    /// Every sample so far.
    pub fn samples(&self) -> Vec<Sample> {
        self.samples.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// The latest reading.
    pub fn latest(&self) -> ProcessStatus {
        self.samples().last().map(|sample| sample.status).unwrap_or_default()
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The highest resident size and thread count among `samples` from `from` on.
pub fn peak(samples: &[Sample], from: Instant) -> ProcessStatus {
    samples.iter().filter(|sample| sample.at >= from).fold(ProcessStatus::default(), |peak, sample| ProcessStatus {
        rss: peak.rss.max(sample.status.rss),
        threads: peak.threads.max(sample.status.threads),
    })
}
